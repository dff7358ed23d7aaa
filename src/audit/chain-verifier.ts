/** Walks the audit chain from its anchor to its head and names the first event that does not fit. */
import { chainHash, type ChainLink } from './audit-event';
import type { AuditStore } from './audit-store-type';

export type ChainVerdict =
  | { readonly ok: true; readonly events: number; readonly head: ChainLink }
  | { readonly ok: false; readonly events: number; readonly problem: string };

const PAGE = 1000;

export async function verifyAuditChain(store: Pick<AuditStore, 'range' | 'endpoints'>): Promise<ChainVerdict> {
  const { anchor, head } = await store.endpoints();
  let previous = anchor;
  let events = 0;
  for (;;) {
    const page = await store.range(previous.seq, PAGE);
    for (const event of page) {
      const fail = (problem: string): ChainVerdict => ({ ok: false, events, problem: `event ${event.seq}: ${problem}` });
      if (event.seq !== previous.seq + 1) {
        return { ok: false, events, problem: `events ${previous.seq + 1} to ${event.seq - 1} are missing` };
      }
      if (event.prevHash !== previous.hash) return fail('does not link to the event before it');
      if (event.hash !== chainHash(event.prevHash, event.seq, event)) return fail('its content does not match its hash');
      previous = { seq: event.seq, hash: event.hash };
      events += 1;
    }
    if (page.length < PAGE) break;
  }
  if (previous.seq !== head.seq || previous.hash !== head.hash) {
    return { ok: false, events, problem: `the chain ends at event ${previous.seq} but its head is event ${head.seq}` };
  }
  return { ok: true, events, head };
}
