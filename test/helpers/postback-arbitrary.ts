import fc from 'fast-check';
import { processPostback } from '../../services/worker/process-postback.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import type { Click, ConversionType, ReversalReason } from '../../shared/domain/entities.js';
import type { DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { newId } from '../../shared/domain/ids.js';
import type { Store } from '../../shared/store/store.js';
import { buildPostbackJob } from './builders.js';

/** One generated postback: on which click, of which type (null: the main conversion), and what it carries. */
export interface ArbitraryPostback {
  click: number;
  type: string | null;
  status: 'approved' | 'pending' | 'declined' | 'other';
  payout: string;
  eventId: string | null;
  reversal: ReversalReason | null;
}

/**
 * 1 to 16 postbacks on `clicks` clicks, over `types` and the main conversion, any
 * status, payouts to the micro, event ids that repeat; with `reversals`, one in four
 * takes a conversion back instead.
 */
export function postbacksArb(types: readonly string[], clicks: number, { reversals = false } = {}): fc.Arbitrary<ArbitraryPostback[]> {
  return fc.array(
    fc.record({
      click: fc.integer({ min: 0, max: clicks - 1 }),
      type: fc.constantFrom(null, ...types),
      status: fc.constantFrom('approved' as const, 'pending' as const, 'declined' as const, 'other' as const),
      payout: fc.integer({ min: 0, max: 99_999_999 }).map((micros) => (micros / 1e6).toFixed(6)),
      eventId: fc.constantFrom(null, 'E1', 'E2'),
      reversal: reversals ? fc.constantFrom(null, null, null, 'chargeback' as const) : fc.constant(null),
    }),
    { minLength: 1, maxLength: 16 },
  );
}

/** Puts each of `types` with its duplicate mode (and any other fields given for it). */
export async function putTypes(
  store: Store,
  types: readonly string[],
  modes: ReadonlyArray<DuplicateMode | null | undefined>,
  extra: (index: number) => Partial<ConversionType> = () => ({}),
): Promise<void> {
  for (const [i, name] of types.entries())
    await store.conversionTypes.put(name, {
      name,
      duplicate_mode: modes[i] ?? null,
      journey: false,
      send_to_channel: false,
      created_at: 1,
      ...extra(i),
    });
}

/** Applies the postbacks one after another as the worker does (every rule, the store's commit). */
export async function applyPostbacks(store: Store, clicks: readonly Click[], postbacks: readonly ArbitraryPostback[]): Promise<void> {
  const deps = { store, rules: loadConfig({}).rules, settings: createSettingsCache(store, {}) };
  for (const p of postbacks) {
    const job = buildPostbackJob({
      clickid: clicks[p.click]?.clickid ?? '',
      type: p.type,
      status: p.status,
      payout: p.payout,
      event_id: p.eventId,
      ...(p.reversal ? { reversal: p.reversal } : {}),
    });
    await processPostback(deps, newId(), job);
  }
}
