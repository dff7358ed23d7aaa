/**
 * Walks the audit chain from its anchor to its head and names the first
 * event that does not fit; optionally checks that a head published earlier
 * is still in the chain, which catches events cut off the end.
 */
import { type ChainLink } from './audit-event';
import { unkeyedHash, type AuditChain, type PublishedHead } from './audit-chain';
import type { AuditStorage } from './audit-storage';

export type ChainVerdict =
  | { readonly ok: true; readonly events: number; readonly head: ChainLink; readonly unkeyedEvents: number }
  | { readonly ok: false; readonly events: number; readonly problem: string };

const PAGE = 1000;

export async function verifyAuditChain(
  store: Pick<AuditStorage, 'range' | 'endpoints'>,
  chain: AuditChain,
  options: { since?: PublishedHead } = {},
): Promise<ChainVerdict> {
  const { anchor, head, keyedFrom } = await store.endpoints();
  if (!chain.isGenuineBoundary(keyedFrom, head)) {
    return { ok: false, events: 0, problem: 'the boundary of unkeyed events was moved: it carries no valid MAC' };
  }
  if (anchor.seq > keyedFrom.seq && !chain.isGenuineAnchor(anchor)) {
    return { ok: false, events: 0, problem: `the anchor (event ${anchor.seq}) was not left by retention: it carries no valid MAC` };
  }
  const since = options.since;
  if (since && since.seq > head.seq) {
    return {
      ok: false,
      events: 0,
      problem: `the chain ends at event ${head.seq}, before the published head ${since.seq}: events were cut off the end`,
    };
  }
  if (since && since.seq === anchor.seq && since.hash !== anchor.hash) {
    return { ok: false, events: 0, problem: `the anchor, event ${anchor.seq}, differs from the published head` };
  }
  let previous: ChainLink = anchor;
  let events = 0;
  let unkeyedEvents = 0;
  let sinceSeen = since === undefined || since.seq <= anchor.seq;
  for (;;) {
    const page = await store.range(previous.seq, PAGE);
    for (const event of page) {
      const fail = (problem: string): ChainVerdict => ({ ok: false, events, problem: `event ${event.seq}: ${problem}` });
      if (event.seq !== previous.seq + 1) {
        return { ok: false, events, problem: `events ${previous.seq + 1} to ${event.seq - 1} are missing` };
      }
      if (event.prevHash !== previous.hash) return fail('does not link to the event before it');
      const unkeyed = event.seq <= keyedFrom.seq;
      const expected = unkeyed ? unkeyedHash(event.prevHash, event.seq, event) : chain.hash(event.prevHash, event.seq, event);
      if (event.hash !== expected) return fail('its content does not match its hash');
      if (since && event.seq === since.seq) {
        if (event.hash !== since.hash) return fail('differs from the published head');
        sinceSeen = true;
      }
      previous = { seq: event.seq, hash: event.hash };
      events += 1;
      if (unkeyed) unkeyedEvents += 1;
    }
    if (page.length < PAGE) break;
  }
  if (previous.seq !== head.seq || previous.hash !== head.hash) {
    return { ok: false, events, problem: `the chain ends at event ${previous.seq} but its head is event ${head.seq}` };
  }
  if (!sinceSeen) return { ok: false, events, problem: `the published head, event ${since?.seq}, is not in the chain` };
  return { ok: true, events, head, unkeyedEvents };
}
