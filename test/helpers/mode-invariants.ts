import { expect } from 'chai';
import type { DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import type { Conversion } from '../../shared/domain/entities.js';
import type { Status } from '../../shared/domain/statuses.js';
import type { Cursor, Store } from '../../shared/store/store.js';

/** One acknowledged postback as the test sent it; every one carries sum, status, sub1. */
export interface SentPostback {
  id: string;
  clickid: string;
  type: string;
  mode: DuplicateMode;
  payoutMicros: number;
  status: Status;
  eventId: string;
  sub1: string;
}

export async function allConversions(store: Store): Promise<Conversion[]> {
  const all: Conversion[] = [];
  let cursor: Cursor | null = null;
  do {
    const page = await store.listConversions({}, { limit: 1000, cursor });
    all.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return all;
}

/**
 * What "applied exactly once, as if one after another in arrival order" means, stated
 * per mode independently of the implementation's fold. Arrival order is id order.
 * Only the conversions of the clicks `sent` names are looked at: other tests' stay out.
 */
export async function expectExactlyOnce(store: Store, sent: SentPostback[]): Promise<void> {
  const clicks = new Set(sent.map((s) => s.clickid));
  const conversions = (await allConversions(store)).filter((c) => clicks.has(c.clickid));
  const appearances = new Map<string, number>();
  for (const c of conversions) for (const id of c.postback_ids) appearances.set(id, (appearances.get(id) ?? 0) + 1);
  const sentIds = new Set(sent.map((s) => s.id));
  expect(
    [...appearances.keys()].filter((id) => !sentIds.has(id)),
    'postbacks nobody sent',
  ).to.deep.equal([]);

  for (const s of sent) {
    const log = await store.getPostback(s.id);
    expect(log, `log entry of ${s.id}`).to.not.equal(null);
    const applied = ['recorded', 'updated', 'incremented'].includes(log?.outcome ?? '');
    expect(appearances.get(s.id) ?? 0, `${s.id} (${s.mode}, ${log?.outcome}) in conversions`).to.equal(applied ? 1 : 0);
  }

  const groups = new Map<string, SentPostback[]>();
  for (const s of sent) {
    const key = s.mode === 'ignore_by_event_id' ? `event|${s.type}|${s.eventId}` : `click|${s.clickid}|${s.type}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, unsorted] of groups) {
    const group = [...unsorted].sort((a, b) => (a.id < b.id ? -1 : 1));
    const first = group[0] as SentPostback;
    const last = group[group.length - 1] as SentPostback;
    const mine = conversions.filter((c) => group.some((s) => s.id === c.id) || c.postback_ids.some((id) => group.some((s) => s.id === id)));
    const total = group.reduce((sum, s) => sum + s.payoutMicros, 0);
    switch (first.mode) {
      case 'create_new':
        expect(mine.length, key).to.equal(group.length);
        expect(
          mine.reduce((sum, c) => sum + c.payout_micros, 0),
          key,
        ).to.equal(total);
        break;
      case 'new_or_repeated':
        expect(mine.length, key).to.equal(group.length);
        expect(
          mine.filter((c) => c.duplicate_status === 'new').map((c) => c.id),
          key,
        ).to.deep.equal([first.id]);
        break;
      case 'ignore':
      case 'ignore_by_event_id':
        expect(
          mine.map((c) => [c.id, c.payout_micros]),
          key,
        ).to.deep.equal([[first.id, first.payoutMicros]]);
        break;
      case 'edit':
        expect(
          mine.map((c) => [c.id, c.status, c.payout_micros, c.subs.sub1]),
          key,
        ).to.deep.equal([[first.id, last.status, last.payoutMicros, last.sub1]]);
        break;
      case 'increment_payout':
        expect(
          mine.map((c) => [c.id, c.payout_micros]),
          key,
        ).to.deep.equal([[first.id, total]]);
        break;
    }
  }
}
