/**
 * The keyed hash chain that links audit events. Pure: no I/O.
 *
 * Each event's hash is an HMAC-SHA256, under the keyring's audit key, of
 * the previous event's hash and the event's canonical content, its
 * position included. Whoever can write to the database but not read the
 * keyring cannot edit, insert, reorder or remove an event without
 * `audit verify` noticing; nor move the anchor that retention leaves,
 * which carries a MAC of its own. Cutting events off the end is caught by
 * comparing with a head published earlier (`headToken`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditEvent, AuditEventInput, ChainAnchor, ChainLink } from './audit-event';

/** Where every chain begins: the head and anchor a new database starts with. */
export const GENESIS: ChainLink = { seq: 0, hash: '0'.repeat(64) };

function canonical(seq: number, event: AuditEventInput): string {
  const fields = [seq, event.time, event.subject, event.jti, event.action, event.key, event.outcome, event.requestId, event.client];
  // Only events that carry a detail hash one: every older event keeps its hash.
  return JSON.stringify(event.detail == null ? fields : [...fields, event.detail]);
}

/** The hash of chains written before the chain was keyed: plain SHA-256 over the same text. */
export function unkeyedHash(prevHash: string, seq: number, event: AuditEventInput): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonical(seq, event)).digest('hex');
}

const HEAD_TOKEN_PREFIX = 'ahead1';

export interface PublishedHead extends ChainLink {
  /** When the head was published, in milliseconds. */
  readonly time: number;
}

export class AuditChain {
  constructor(private readonly key: Buffer) {}

  hash(prevHash: string, seq: number, event: AuditEventInput): string {
    return this.mac(`event\n${prevHash}\n${canonical(seq, event)}`);
  }

  /** Links `events` after `head`, giving each its seq and hashes. */
  link(head: ChainLink, events: readonly AuditEventInput[]): AuditEvent[] {
    let previous = head;
    return events.map((event) => {
      const seq = previous.seq + 1;
      const linked: AuditEvent = { ...event, seq, prevHash: previous.hash, hash: this.hash(previous.hash, seq, event) };
      previous = linked;
      return linked;
    });
  }

  /** The anchor retention leaves after purging up to `link`. */
  anchor(link: ChainLink): ChainAnchor {
    return { seq: link.seq, hash: link.hash, mac: this.mac(`anchor\n${link.seq}\n${link.hash}`) };
  }

  /** Whether an anchor is the genesis or one this chain's key made. */
  isGenuineAnchor(anchor: ChainAnchor): boolean {
    if (anchor.seq === GENESIS.seq && anchor.hash === GENESIS.hash) return true;
    return anchor.mac !== undefined && this.equal(anchor.mac, this.anchor(anchor).mac as string);
  }

  /**
   * The boundary of a chain begun before hashes were keyed: events up to it
   * keep their plain SHA-256 hashes. `serve` seals it with a MAC at start,
   * so that it cannot later be moved forward over keyed events.
   */
  sealBoundary(link: ChainLink): ChainAnchor {
    return { seq: link.seq, hash: link.hash, mac: this.mac(`keyed-from\n${link.seq}\n${link.hash}`) };
  }

  /** A boundary is trusted when sealed, when it is the genesis, or when no event follows it yet. */
  isGenuineBoundary(boundary: ChainAnchor, head: ChainLink): boolean {
    if (boundary.seq === 0 || boundary.seq === head.seq) return true;
    return boundary.mac !== undefined && this.equal(boundary.mac, this.sealBoundary(boundary).mac as string);
  }

  /** A head to publish outside the database (logs, a ticket), and to check the chain against later. */
  headToken(head: PublishedHead): string {
    const payload = Buffer.from(JSON.stringify({ seq: head.seq, hash: head.hash, time: head.time })).toString('base64url');
    return `${HEAD_TOKEN_PREFIX}.${payload}.${this.mac(`head\n${payload}`)}`;
  }

  /** The head a token names, or undefined when the token is not one this chain's key made. */
  readHeadToken(token: string): PublishedHead | undefined {
    const [prefix, payload, mac, extra] = token.trim().split('.');
    if (prefix !== HEAD_TOKEN_PREFIX || !payload || !mac || extra !== undefined) return undefined;
    if (!this.equal(mac, this.mac(`head\n${payload}`))) return undefined;
    try {
      const head = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PublishedHead;
      return Number.isSafeInteger(head.seq) && typeof head.hash === 'string' && typeof head.time === 'number' ? head : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('hex');
  }

  private equal(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  }
}
