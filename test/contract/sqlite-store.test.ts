import { join } from 'node:path';
import { trimChanges } from '../../shared/store/sqlite/columns.js';
import { rebuild } from '../../shared/store/sqlite/rollup-schema.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { buildClick, buildConversion, putConversion } from '../helpers/builders.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { sqliteStore, storeFactories } from '../helpers/store-factories.js';
import { storeContract } from './store.contract.js';

const [sqlite] = storeFactories();
if (!sqlite) throw new Error('the SQLite store factory is always there');

describe('store contract: SQLite', () => {
  storeContract(sqlite.make);
});

describe('store contract: SQLite, folding the sub rollup log at every change', () => {
  storeContract(sqliteStore({ foldSubsEvery: 1 }));
});

describe('store contract: SQLite, raw rows read from the report column copy', () => {
  storeContract(sqliteStore({ columnCopy: true }));
});

describe('SQLite sub rollups: the change log', () => {
  it('when the writer goes idle, then the logged changes are folded into the rollup and sub reports answer the same', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'store.db');
    const store = createSqliteStore(path);
    try {
      const day = Date.UTC(2026, 10, 20);
      const clicks = [buildClick({ ts: day + 1000, subs: { sub1: 'z1' } }), buildClick({ ts: day + 2000, subs: { sub1: 'z2' } })];
      await store.insertClicks(clicks);
      for (const c of clicks) await putConversion(store, buildConversion(c, { created_at: c.ts + 1, payout_micros: 1_500_000 }));
      const range = { from: day, to: day + 86_400_000 };
      const before = await store.aggregateConversions(['sub1'], range, {});
      const peek = new BetterSqlite3(path, { readonly: true });
      const logged = () =>
        (peek.prepare('SELECT (SELECT COUNT(*) FROM log_click_sd) + (SELECT COUNT(*) FROM log_conv_sd) AS n').get() as { n: number }).n;
      const rolled = () => (peek.prepare('SELECT COUNT(*) AS n FROM roll_conv_sd').get() as { n: number }).n;
      expect(logged()).to.equal(4);
      await waitFor('the log folded', () => logged() === 0, 5000);
      expect(rolled()).to.equal(2);
      peek.close();
      expect(await store.aggregateConversions(['sub1'], range, {})).to.deep.equal(before);
    } finally {
      await store.close();
      dir.remove();
    }
  });
});

describe('SQLite rollups rebuilt from the raw tables', () => {
  it('when a store with a reversed conversion has its rollups rebuilt (an upgrade, a bulk load), then every report reads as before, the reversal still under reversed', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'store.db');
    const day = Date.UTC(2026, 10, 20);
    const range = { from: day, to: day + 86_400_000 };
    const reports = async (store: ReturnType<typeof createSqliteStore>) =>
      Promise.all([
        store.aggregateConversions(['status'], range, {}),
        store.aggregateConversions(['bucket', 'type', 'status'], range, {}),
        store.aggregateConversions(['campaign', 'status'], range, {}, { split: true }),
        store.aggregateConversions(['sub1', 'status'], range, {}),
        store.aggregateClicks(['sub1'], range, {}),
      ]);
    let store = createSqliteStore(path);
    try {
      const clicks = [buildClick({ ts: day + 1000, subs: { sub1: 'z1' } }), buildClick({ ts: day + 2000, subs: { sub1: 'z2' } })];
      await store.insertClicks(clicks);
      const conversions = clicks.map((c) => buildConversion(c, { created_at: c.ts + 1, payout_micros: 2_500_000 }));
      for (const c of conversions) await putConversion(store, c);
      await store.reverseConversion({
        match: { id: (conversions[0] as (typeof conversions)[number]).id },
        reversal: {
          reason: 'chargeback',
          reversed_at: day + 5000,
          source: 'api',
          postback_id: null,
          ip: null,
          request_id: null,
          note: null,
        },
        entry: null,
      });
      const before = await reports(store);
      expect(before[0].map((r) => [r.key.status, r.count, r.revenueMicros])).to.have.deep.members([
        ['approved', 1, 2_500_000n],
        ['reversed', 1, 2_500_000n],
      ]);
      await store.close();
      // What the upgrade step (and a bulk load) runs: every rollup emptied and counted again from the raw tables.
      const raw = new BetterSqlite3(path);
      rebuild(raw);
      raw.close();
      store = createSqliteStore(path);
      expect(await reports(store)).to.deep.equal(before);
    } finally {
      await store.close();
      dir.remove();
    }
  });
});

describe('SQLite report column copy', () => {
  it('when the change log was trimmed past what the copy has seen, then reports stay exact and the copy loads again', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'store.db');
    const store = createSqliteStore(path, { columnCopy: true });
    const writer = new BetterSqlite3(path);
    try {
      const day = Date.UTC(2026, 10, 20);
      const click = buildClick({ ts: day + 1000, subs: { sub1: 'z1' } });
      await store.insertClick(click);
      const conversion = buildConversion(click, { created_at: day + 2000, payout_micros: 1_000_000 });
      await putConversion(store, conversion);
      await store.prepareReports?.();
      const range = { from: day, to: day + 86_400_000 };
      const bySub = async () =>
        (await store.aggregateConversions(['day', 'sub1'], range, {}, { tz: 'America/New_York' })).map((r) => [
          r.key.sub1,
          r.count,
          r.revenueMicros,
        ]);
      expect(await bySub()).to.deep.equal([['z1', 1, 1_000_000n]]);
      // Changed by another process, whose idle trim then drops the change before the copy read it.
      writer.prepare('UPDATE conversions SET payout_micros = 3000000 WHERE id = ?').run(conversion.id);
      trimChanges(writer, 0);
      expect(await bySub()).to.deep.equal([['z1', 1, 3_000_000n]]);
      await store.prepareReports?.();
      expect(await bySub()).to.deep.equal([['z1', 1, 3_000_000n]]);
    } finally {
      writer.close();
      await store.close();
      dir.remove();
    }
  });
});
