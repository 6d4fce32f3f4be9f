import { expect } from 'chai';
import type { OfferSource } from '../../shared/domain/entities.js';
import { parseMoney } from '../../shared/domain/money.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, buildLogEntry } from '../helpers/builders.js';

/** A fresh, empty store per test, and how to dispose of it. */
export type StoreFactory = () => Promise<{ store: Store; dispose: () => Promise<void> }>;

/** The one behaviour every store adapter must have. */
export function storeContract(makeStore: StoreFactory): void {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await makeStore());
  });
  afterEach(async () => dispose());

  describe('settings', () => {
    it('when a record is put twice under one key, then the second replaces the first', async () => {
      const source: OfferSource = { id: 's1', name: 'A', default_status: 'approved', duplicate_mode: 'create_new', postback_token: null, ip_allowlist: [], created_at: 1 };
      await store.offerSources.put('s1', source);
      await store.offerSources.put('s1', { ...source, name: 'B' });
      expect(await store.offerSources.get('s1')).to.deep.equal({ ...source, name: 'B' });
      expect(await store.offerSources.list()).to.have.length(1);
      expect(await store.offerSources.delete('s1')).to.equal(true);
      expect(await store.offerSources.delete('s1')).to.equal(false);
      expect(await store.offerSources.get('s1')).to.equal(null);
    });

    it('when conversion types differ only in case, then they are two types', async () => {
      const type = { duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 };
      await store.conversionTypes.put('Upsell', { name: 'Upsell', ...type });
      await store.conversionTypes.put('upsell', { name: 'upsell', ...type });
      expect((await store.conversionTypes.list()).map((t) => t.name).sort()).to.deep.equal(['Upsell', 'upsell']);
    });
  });

  describe('clicks', () => {
    it('when a click is stored twice, then the first one stays and nothing fails', async () => {
      const click = buildClick({ subs: { sub1: 'a', sub10: 'z' }, external_id: 'ext' });
      await store.insertClick(click);
      await store.insertClick({ ...click, campaign_id: 'other' });
      expect(await store.getClick(click.clickid)).to.deep.equal(click);
      expect(await store.getClick('missing')).to.equal(null);
    });
  });

  describe('applying postbacks', () => {
    it('when a postback is applied twice, then one conversion and one log entry exist', async () => {
      const click = buildClick();
      const entry = buildLogEntry({ clickid: click.clickid });
      const conversion = buildConversion(click, { postback_ids: [entry.id], subs: { sub2: 'p' } });
      const first = await store.applyPostback({ ...entry, conversion_id: conversion.id }, { kind: 'insert', conversion });
      const again = await store.applyPostback({ ...entry, processed_at: entry.processed_at + 5 }, { kind: 'insert', conversion: { ...conversion, id: 'other-id' } });
      expect(first.applied).to.equal(true);
      expect(again.applied).to.equal(false);
      expect(again.entry).to.deep.equal({ ...entry, conversion_id: conversion.id });
      const page = await store.listConversions({ clickid: click.clickid }, { limit: 10, cursor: null });
      expect(page.items).to.deep.equal([conversion]);
      expect(await store.getPostback(entry.id)).to.deep.equal({ ...entry, conversion_id: conversion.id });
    });

    it('when a rejected postback is logged, then it is listed by outcome with its reason', async () => {
      const entry = buildLogEntry({ outcome: 'rejected', reason: 'unknown_type', detail: 'no type X', raw: { clickid: 'c1', status: ['a', 'b'] } });
      await store.applyPostback(entry, { kind: 'none' });
      await store.applyPostback(buildLogEntry(), { kind: 'none' });
      const page = await store.listPostbacks({ outcome: 'rejected' }, { limit: 10, cursor: null });
      expect(page.items).to.deep.equal([entry]);
    });
  });

  describe('listing', () => {
    it('when many items share one timestamp, then pages cover each exactly once', async () => {
      const click = buildClick();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const entry = buildLogEntry({ received_at: 1000 });
        ids.push(entry.id);
        const conversion = buildConversion(click, { created_at: 5000, postback_ids: [entry.id] });
        await store.applyPostback({ ...entry, conversion_id: conversion.id }, { kind: 'insert', conversion });
      }
      const seen: string[] = [];
      let cursor = null;
      do {
        const page: Awaited<ReturnType<Store['listPostbacks']>> = await store.listPostbacks({}, { limit: 3, cursor });
        seen.push(...page.items.map((p) => p.id));
        cursor = page.next;
      } while (cursor);
      expect(seen).to.deep.equal([...ids].sort().reverse());
      const conversions = await store.listConversions({}, { limit: 7, cursor: null });
      expect(conversions.items).to.have.length(7);
      expect(conversions.next).to.equal(null);
    });

    it('when conversions are filtered by type and status, then only matching ones come back', async () => {
      const click = buildClick();
      for (const [type, status] of [[null, 'approved'], ['Upsell', 'pending'], ['Upsell', 'approved']] as const) {
        const entry = buildLogEntry();
        await store.applyPostback(entry, { kind: 'insert', conversion: buildConversion(click, { type, status, postback_ids: [entry.id] }) });
      }
      const page = await store.listConversions({ type: 'Upsell', status: 'approved' }, { limit: 10, cursor: null });
      expect(page.items.map((c) => [c.type, c.status])).to.deep.equal([['Upsell', 'approved']]);
    });
  });

  describe('aggregates', () => {
    it('when conversions are grouped by type and status, then counts and revenue are exact', async () => {
      const click = buildClick();
      const rows: Array<[string | null, 'approved' | 'pending', string]> = [
        [null, 'approved', '0.1'],
        [null, 'approved', '0.2'],
        ['Upsell', 'pending', '5.000001'],
      ];
      for (const [type, status, payout] of rows) {
        const entry = buildLogEntry();
        await store.applyPostback(entry, { kind: 'insert', conversion: buildConversion(click, { type, status, payout_micros: parseMoney(payout), postback_ids: [entry.id] }) });
      }
      const groups = await store.aggregateConversions(['type', 'status'], { from: null, to: null });
      const byKey = Object.fromEntries(groups.map((g) => [`${g.key.type}/${g.key.status}`, [g.count, g.revenueMicros, g.distinctClicks]]));
      expect(byKey).to.deep.equal({ 'null/approved': [2, 300_000n, 1], 'Upsell/pending': [1, 5_000_001n, 1] });
    });

    it('when clicks are grouped by campaign, date and sub within a range, then only clicks in range count', async () => {
      const day = Date.UTC(2026, 10, 20);
      await store.insertClick(buildClick({ campaign_id: 'a', ts: day + 1000, subs: { sub1: 'x' } }));
      await store.insertClick(buildClick({ campaign_id: 'a', ts: day + 2000, subs: { sub1: 'x' } }));
      await store.insertClick(buildClick({ campaign_id: 'b', ts: day + 3000 }));
      await store.insertClick(buildClick({ campaign_id: 'a', ts: day + 86_400_000 }));
      const groups = await store.aggregateClicks(['campaign', 'date', 'sub1'], { from: day, to: day + 86_400_000 });
      const byKey = Object.fromEntries(groups.map((g) => [`${g.key.campaign}/${g.key.date}/${g.key.sub1}`, g.count]));
      expect(byKey).to.deep.equal({ 'a/2026-11-20/x': 2, 'b/2026-11-20/null': 1 });
    });
  });
}
