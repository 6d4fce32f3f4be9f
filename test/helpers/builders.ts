import { dimensionsOf, type Click, type Conversion, type PostbackLogEntry } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { deliveryEvent, type Delivery } from '../../shared/domain/outbound.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import type { Projection, Store } from '../../shared/store/store.js';

/** Test data builders: sensible defaults, override what the test is about. */
export function buildClick(overrides: Partial<Click> = {}): Click {
  return {
    clickid: newId(),
    ts: Date.UTC(2026, 10, 20, 12),
    campaign_id: 'cmp-1',
    offer_id: 'off-1',
    offer_source_id: 'src-1',
    traffic_channel_id: 'tc-1',
    external_id: null,
    ip: '203.0.113.9',
    user_agent: 'test',
    cost_micros: 0,
    own_cost_micros: 0,
    subs: {},
    traits: {},
    ...overrides,
  };
}

/** A conversion whose id is its (only) postback's id, as the worker makes them. */
export function buildConversion(click: Click, overrides: Partial<Conversion> = {}): Conversion {
  const id = newId();
  return {
    id,
    clickid: click.clickid,
    type: null,
    status: 'approved',
    payout_micros: 1_000_000,
    currency: 'USD',
    original_payout_micros: 1_000_000,
    original_currency: 'USD',
    fx_rate: '1',
    event_id: null,
    duplicate_status: 'unknown',
    created_at: click.ts + 60_000,
    updated_at: click.ts + 60_000,
    click: dimensionsOf(click),
    subs: {},
    test: false,
    reversal: null,
    postback_ids: [id],
    ...overrides,
  };
}

export function buildLogEntry(overrides: Partial<PostbackLogEntry> = {}): PostbackLogEntry {
  return {
    id: newId(),
    received_at: Date.UTC(2026, 10, 20, 13),
    processed_at: Date.UTC(2026, 10, 20, 13),
    request_id: 'req-1',
    method: 'GET',
    ip: '198.51.100.1',
    raw: { clickid: 'c1' },
    clickid: 'c1',
    type: null,
    campaign_id: null,
    offer_source_id: null,
    outcome: 'recorded',
    reason: null,
    detail: null,
    conversion_id: null,
    params: null,
    test: false,
    ...overrides,
  };
}

export function buildPostbackJob(
  params: Partial<NonNullable<PostbackJob['params']>> & { clickid: string },
  overrides: Partial<PostbackJob> = {},
): PostbackJob {
  return {
    receivedAt: Date.now(),
    requestId: 'req-test',
    method: 'GET',
    ip: '198.51.100.1',
    raw: { clickid: params.clickid },
    params: { payout: null, status: null, type: null, event_id: null, currency: null, token_hash: null, subs: {}, ...params },
    invalid: null,
    ...overrides,
  };
}

/** A projection writing one conversion and its postback's log entry. */
export const projectionFor = (conversion: Conversion): Projection => ({
  conversions: [conversion],
  removedConversionIds: [],
  logUpdates: [],
  entry: buildLogEntry({ id: conversion.id, clickid: conversion.clickid, conversion_id: conversion.id }),
});

/** Writes a conversion and its log entry straight through the store port. */
export async function putConversion(store: Store, conversion: Conversion, log: Partial<PostbackLogEntry> = {}): Promise<void> {
  const entry = buildLogEntry({
    id: conversion.postback_ids[0] ?? conversion.id,
    clickid: conversion.clickid,
    type: conversion.type,
    conversion_id: conversion.id,
    ...log,
  });
  await store.writeProjection({ conversions: [conversion], removedConversionIds: [], logUpdates: [], entry });
}

export function buildDelivery(overrides: Partial<Delivery> = {}): Delivery {
  const click = buildClick({ clickid: 'click1', external_id: 'ext-1', campaign_id: 'cmp-1', ip: null, user_agent: null });
  const conversion = buildConversion(click, { id: 'conv1', payout_micros: 1_500_000 });
  return {
    id: 'conv1-approved',
    conversion_id: conversion.id,
    channel_id: 'tc-1',
    event: deliveryEvent(conversion, click),
    state: 'queued',
    attempts: 0,
    url: null,
    http_status: null,
    error: null,
    created_at: conversion.created_at,
    updated_at: conversion.created_at,
    delivered_at: null,
    ...overrides,
  };
}
