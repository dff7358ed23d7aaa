import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock';
import { RateLimiter } from '../../src/http/rate-limiter';

describe('rate limiter', () => {
  it('allows a burst, then one request per refill interval, and says how long to wait', () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, clock);
    assert.deepEqual(
      [1, 2, 3].map(() => limiter.take('a')),
      [0, 0, 0],
    );
    assert.equal(limiter.take('a'), 1);
    clock.advance(500);
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 1);
  });

  it('keeps one bucket per id', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, new ManualClock(0));
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 1);
    assert.equal(limiter.take('b'), 0);
  });

  it('rounds a slow refill up to whole seconds', () => {
    const limiter = new RateLimiter({ perSecond: 1 / 60, burst: 1 }, new ManualClock(0));
    limiter.take('a');
    assert.equal(limiter.take('a'), 60);
  });

  it('stays within its memory bound with many distinct ids', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, new ManualClock(0), 1000);
    for (let n = 0; n < 50_000; n++) limiter.take(`subject-${n}`);
    assert.equal(limiter.size, 1000);
  });

  it('does nothing when off', () => {
    const limiter = new RateLimiter('off', new ManualClock(0));
    for (let n = 0; n < 1000; n++) assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.size, 0);
  });
});
