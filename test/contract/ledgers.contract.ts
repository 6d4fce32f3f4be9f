import { expect } from 'chai';
import type { LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import type { ConversionRecord } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { emptyHead, idAt, planAppend, type LedgerHead } from '../../shared/domain/ledger.js';
import type { LedgerCommit, Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, buildLogEntry, projectionFor } from '../helpers/builders.js';

/** Ledger heads, rows and batch commits, and projections: part of the store contract, for every adapter. */
export function ledgerContract(storeOf: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = storeOf();
  });

  describe('ledgers', () => {
    const ledgerEntry = (id: string, clickid: string): LedgerEntry => ({
      id,
      received_at: 1000,
      mode: 'create_new',
      clickid,
      type: null,
      click: { campaign_id: 'c', offer_id: 'o', offer_source_id: 's', traffic_channel_id: 't', subs: {} },
      carried: { status: null, payout_micros: null, currency: null, event_id: null, subs: {} },
      defaults: { status: 'approved', payout_micros: 1, currency: 'USD' },
    });

    /** A commit of `entries` appended one after another to `head`, as the worker plans it. */
    const commitOf = (head: LedgerHead, entries: LedgerEntry[], now = 0): LedgerCommit => {
      let current = head;
      const rows = [];
      const conversions = new Map<string, ConversionRecord | null>();
      const logs = [];
      let compactBefore: string | null = null;
      for (const entry of entries) {
        const plan = planAppend(current, entry, now);
        current = plan.head;
        rows.push(...plan.rows);
        for (const c of plan.conversions) conversions.set(c.id, c);
        logs.push(
          buildLogEntry({ id: entry.id, clickid: entry.clickid, conversion_id: plan.outcome.conversion_id, outcome: plan.outcome.outcome }),
        );
        compactBefore = plan.compactBefore ?? compactBefore;
      }
      return {
        key: head.key,
        expectedVersion: head.version,
        head: current,
        rows,
        compactBefore,
        conversions,
        entries: logs,
        logUpdates: [],
      };
    };
    const head = async (key: string) => (await store.loadLedgerHeads([key])).get(key) as LedgerHead;

    it('when two writers commit on the same version, then only the first lands, and nothing of the second is written', async () => {
      const click = buildClick();
      const [a, b] = [ledgerEntry(newId(), click.clickid), ledgerEntry(newId(), click.clickid)];
      expect(await head('k')).to.deep.equal(emptyHead('k'));
      expect(await store.commitLedgers([commitOf(emptyHead('k'), [a])], [], null)).to.deep.equal({
        conflicts: [],
        settingsChanged: false,
        kept: new Map(),
      });
      expect(await store.commitLedgers([commitOf(emptyHead('k'), [b])], [], null)).to.deep.equal({
        conflicts: ['k'],
        settingsChanged: false,
        kept: new Map(),
      });
      expect((await head('k')).version).to.equal(1);
      expect((await head('k')).lastId).to.equal(a.id);
      expect((await store.listConversions({ clickid: click.clickid }, { limit: 10, cursor: null })).items.map((c) => c.id)).to.deep.equal([
        a.id,
      ]);
      expect(await store.getPostback(b.id)).to.equal(null);
      expect(await store.commitLedgers([commitOf(await head('k'), [b])], [], null)).to.deep.equal({
        conflicts: [],
        settingsChanged: false,
        kept: new Map(),
      });
      expect((await head('k')).version).to.equal(2);
      const suffix = await store.loadLedgerSuffix('k', b.id);
      expect(suffix.predecessor?.entry.id).to.equal(a.id);
      expect(suffix.rows.map((r) => r.entry.id)).to.deep.equal([b.id]);
    });

    it('when one key of a batch conflicts, then the other keys land and the conflicting one writes nothing', async () => {
      const click = buildClick();
      const [a, b, c] = [ledgerEntry(newId(), click.clickid), ledgerEntry(newId(), click.clickid), ledgerEntry(newId(), click.clickid)];
      await store.commitLedgers([commitOf(emptyHead('x'), [a])], [], null);
      const result = await store.commitLedgers([commitOf(emptyHead('x'), [b]), commitOf(emptyHead('y'), [c])], [], null);
      expect(result.conflicts).to.deep.equal(['x']);
      expect(await store.getPostback(b.id)).to.equal(null);
      expect((await store.getPostback(c.id))?.outcome).to.equal('recorded');
      expect((await store.getConversion(c.id))?.postback_ids).to.deep.equal([c.id]);
    });

    it('when settings change after a batch was planned, then its commit writes nothing and says so', async () => {
      const click = buildClick();
      const before = await store.settingsVersion();
      await store.conversionTypes.put('Sale', {
        name: 'Sale',
        duplicate_mode: null,
        journey: false,
        send_to_channel: false,
        created_at: 1,
      });
      const after = await store.settingsVersion();
      expect(after).to.not.equal(before);
      const entry = ledgerEntry(newId(), click.clickid);
      expect(await store.commitLedgers([commitOf(emptyHead('s'), [entry])], [], before)).to.deep.equal({
        conflicts: [],
        settingsChanged: true,
        kept: new Map(),
      });
      expect(await store.getPostback(entry.id)).to.equal(null);
      expect((await head('s')).version).to.equal(0);
      await store.conversionTypes.delete('Sale');
      expect(await store.settingsVersion()).to.not.equal(after);
    });

    it('when a commit rewrites a reversed conversion, then the store keeps the reversal and returns the record as written, leaving the commit as given', async () => {
      const click = buildClick();
      await store.insertClick(click);
      const entry = ledgerEntry(newId(), click.clickid);
      await store.commitLedgers([commitOf(emptyHead('r'), [entry])], [], null);
      const written = (await store.getConversion(entry.id)) as ConversionRecord;
      await store.reverseConversion({
        match: { id: entry.id },
        reversal: { reason: 'chargeback', reversed_at: 5000, source: 'api', postback_id: null, ip: null, request_id: null, note: null },
        entry: null,
      });
      const current = await head('r');
      const rewritten: ConversionRecord = { ...written, reversal: null, status: 'approved', payout_micros: 9_000_000 };
      const commit: LedgerCommit = {
        key: 'r',
        expectedVersion: current.version,
        head: { ...current, version: current.version + 1 },
        rows: [],
        compactBefore: null,
        conversions: new Map([[entry.id, rewritten]]),
        entries: [],
        logUpdates: [],
      };
      const result = await store.commitLedgers([commit], [], null);
      expect(result.kept.get(entry.id)).to.deep.include({ status: 'declined', payout_micros: 9_000_000 });
      expect(result.kept.get(entry.id)?.reversal?.reason).to.equal('chargeback');
      expect(commit.conversions.get(entry.id), 'the commit is not patched').to.equal(rewritten);
      expect((await store.getConversion(entry.id))?.reversal?.reason).to.equal('chargeback');
    });

    it('when a commit compacts a key, then rows before the boundary go and the head keeps the state after them', async () => {
      const click = buildClick();
      const hourAgo = Date.now() - 2 * 3600_000;
      const old = [
        ledgerEntry(idAt(hourAgo).slice(0, 10) + 'AAAAAAAAAAAAAAA1', click.clickid),
        ledgerEntry(idAt(hourAgo).slice(0, 10) + 'AAAAAAAAAAAAAAA2', click.clickid),
      ];
      await store.commitLedgers([commitOf(emptyHead('c'), old)], [], null);
      const fresh = ledgerEntry(newId(), click.clickid);
      const commit = commitOf(await head('c'), [fresh], Date.now());
      expect(commit.compactBefore).to.not.equal(null);
      await store.commitLedgers([commit], [], null);
      const suffix = await store.loadLedgerSuffix('c', '0');
      expect(suffix.rows.map((r) => r.entry.id)).to.deep.equal([fresh.id]);
      expect((await head('c')).base.first?.id).to.equal(old[0]?.id);
      // The compacted postbacks stay logged and applied.
      expect((await store.getPostback(old[1]?.id as string))?.outcome).to.equal('recorded');
    });

    it('when a rejection is committed for a postback applied before, then the applied entry stays', async () => {
      const click = buildClick();
      const entry = ledgerEntry(newId(), click.clickid);
      await store.commitLedgers([commitOf(emptyHead('r'), [entry])], [], null);
      await store.commitLedgers([], [buildLogEntry({ id: entry.id, outcome: 'rejected', reason: 'unknown_type' })], null);
      expect((await store.getPostback(entry.id))?.outcome).to.equal('recorded');
      const other = buildLogEntry({ id: newId(), outcome: 'rejected', reason: 'unknown_type' });
      await store.commitLedgers([], [other], null);
      expect((await store.getPostback(other.id))?.reason).to.equal('unknown_type');
    });

    it('when a projection is written twice, then the second changes nothing', async () => {
      const click = buildClick();
      const conversion = buildConversion(click, { subs: { sub2: 'p' } });
      const projection = projectionFor(conversion);
      await store.writeProjection(projection);
      await store.writeProjection(projection);
      expect((await store.listConversions({}, { limit: 10, cursor: null })).items).to.deep.equal([conversion]);
      expect((await store.listPostbacks({}, { limit: 10, cursor: null })).items).to.deep.equal([projection.entry]);
    });

    it('when a projection removes a conversion and updates an outcome, then both show', async () => {
      const click = buildClick();
      const gone = buildConversion(click);
      await store.writeProjection(projectionFor(gone));
      const kept = buildConversion(click);
      await store.writeProjection({
        conversions: [kept],
        removedConversionIds: [gone.id],
        logUpdates: [{ id: gone.id, outcome: 'ignored_duplicate', conversion_id: kept.id, detail: null }],
        entry: buildLogEntry({ id: kept.id, conversion_id: kept.id }),
      });
      expect((await store.listConversions({}, { limit: 10, cursor: null })).items).to.deep.equal([kept]);
      expect(await store.getPostback(gone.id)).to.deep.include({ outcome: 'ignored_duplicate', conversion_id: kept.id });
    });
  });
}
