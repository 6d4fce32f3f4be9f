import type { Click, ConversionRecord } from '../domain/entities.js';
import type { Delivery } from '../domain/outbound.js';
import { deliveryEvent, deliveryFor, reversalRoute } from '../domain/outbound.js';
import type { Store } from '../store/store.js';
import type { Settings } from './settings-cache.js';

export interface ScheduleDeps {
  store: Store;
  /** Queues the delivery's job under the delivery's id; a job already there is kept. */
  enqueue: (deliveryId: string) => Promise<void>;
  now?: () => number;
}

/** A conversion a postback created or changed, with what its delivery needs. */
export interface Changed {
  conversionId: string;
  /** As the postback left it; read from the store when not given (a retried job). */
  conversion: ConversionRecord | null;
  click: Click | null;
  settings: Settings;
}

/**
 * After a postback changed a conversion: if the conversion, as it is now, should go
 * to its click's traffic channel and has not gone in this status yet, record the
 * delivery and queue it. Runs again harmlessly for a retried postback job (the
 * delivery exists; a queued one is queued again under the same job id, which
 * BullMQ keeps once), so a crash between the conversion's write and this step loses
 * nothing. Channels and types come from the settings the postback was applied with;
 * most conversions go nowhere and cost no read at all.
 */
export async function scheduleDelivery(deps: ScheduleDeps, changed: Changed): Promise<Delivery | null> {
  const { store, settings } = { ...deps, settings: changed.settings };
  const conversion = changed.conversion ?? (await store.getConversion(changed.conversionId));
  if (!conversion) return null;
  const channel = settings.channels.get(conversion.click.traffic_channel_id);
  if (!channel) return null;
  const type = conversion.type === null ? null : (settings.types.get(conversion.type) ?? null);
  const plan = deliveryFor(conversion, type, channel);
  if (!plan) return null;
  const click = changed.click ?? (await store.getClick(conversion.clickid));
  const now = (deps.now ?? Date.now)();
  const delivery = await store.createDelivery({
    id: plan.id,
    kind: 'conversion',
    conversion_id: conversion.id,
    channel_id: channel.id,
    event: deliveryEvent(conversion, click),
    state: 'queued',
    attempts: 0,
    url: null,
    http_status: null,
    error: null,
    created_at: now,
    updated_at: now,
    delivered_at: null,
  });
  if (delivery.state === 'queued') await deps.enqueue(delivery.id);
  return delivery;
}

/**
 * After a conversion was reversed: if its channel got it (or is getting it), record the
 * reversal's delivery and queue it, or, where the integration has no way to take a
 * conversion back, record it as not sent with the reason. A postback channel without a
 * `reversal_url` that is sent declined conversions hears of it by `scheduleDelivery`
 * (the conversion is declined now). The delivery waits for the conversion's own
 * delivery before it is sent. Idempotent, like `scheduleDelivery`.
 */
export async function scheduleReversal(deps: ScheduleDeps, changed: Changed): Promise<Delivery | null> {
  const { store, settings } = { ...deps, settings: changed.settings };
  const conversion = changed.conversion ?? (await store.getConversion(changed.conversionId));
  if (!conversion?.reversal || conversion.test) return null;
  const channel = settings.channels.get(conversion.click.traffic_channel_id);
  if (!channel) return null;
  const route = reversalRoute(channel);
  if (route.kind === 'by_status') return null;
  const own = (await store.listDeliveries({ conversion_id: conversion.id }, { limit: 100, cursor: null })).items.filter(
    (d) => (d.kind ?? 'conversion') === 'conversion' && d.channel_id === channel.id && d.state !== 'failed' && d.state !== 'not_sent',
  );
  // The channel never got it: nothing to take back.
  if (own.length === 0) return null;
  const click = changed.click ?? (await store.getClick(conversion.clickid));
  const now = (deps.now ?? Date.now)();
  const delivery = await store.createDelivery({
    id: `${conversion.id}-reversed`,
    kind: 'reversal',
    conversion_id: conversion.id,
    channel_id: channel.id,
    event: {
      ...deliveryEvent(conversion, click),
      reversal_reason: conversion.reversal.reason,
      reversed_at: conversion.reversal.reversed_at,
    },
    state: route.kind === 'cannot' ? 'not_sent' : 'queued',
    attempts: 0,
    url: null,
    http_status: null,
    error: route.kind === 'cannot' ? route.why : null,
    created_at: now,
    updated_at: now,
    delivered_at: null,
  });
  if (delivery.state === 'queued') await deps.enqueue(delivery.id);
  return delivery;
}

/**
 * What follows a conversion's change, wherever it was made (a postback the worker
 * applied, a reversal by hand over the API): its delivery in its new status, and, when
 * the change reversed it, the reversal's. Both are idempotent, so a retried job or
 * request schedules nothing twice.
 */
export async function scheduleAfterChange(deps: ScheduleDeps, changed: Changed, reversed: boolean): Promise<void> {
  await scheduleDelivery(deps, changed);
  if (reversed) await scheduleReversal(deps, changed);
}
