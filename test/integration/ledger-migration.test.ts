import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { processPostback } from '../../services/worker/process-postback.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import { ledgerKey, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import { dimensionsOf } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import { buildPostbackJob } from '../helpers/builders.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';

describe('an embedded store from before ledger heads', () => {
  it('when it is opened, then each whole ledger becomes a head and rows, and the next postback of the key follows its history', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'store.db');
    let store = createSqliteStore(path);
    const seeded = await seedCampaign(store, { source: { duplicate_mode: 'ignore' } });
    const click = clickFor(seeded);
    await store.insertClick(click);
    await store.close();

    // What an older version left: the key's whole ledger in one row, no head.
    const entry = (id: string, micros: number): LedgerEntry => ({
      id,
      received_at: 1,
      mode: 'ignore',
      clickid: click.clickid,
      type: null,
      click: dimensionsOf(click),
      carried: { status: null, payout_micros: micros, currency: null, event_id: null, subs: {} },
      defaults: { status: 'approved', payout_micros: 0, currency: 'USD' },
    });
    const [first, second] = [newId(), newId()];
    const key = ledgerKey('ignore', first, click.clickid, null, null);
    const raw = new BetterSqlite3(path);
    raw
      .prepare('INSERT INTO ledgers (key, version, entries) VALUES (?, 2, ?)')
      .run(key, JSON.stringify([entry(second, 2_000_000), entry(first, 1_000_000)]));
    raw.prepare("DELETE FROM meta WHERE key = 'ledger_heads'").run();
    // The file as a release before ledger heads left it: its schema at the step before them.
    raw.pragma('user_version = 3');
    raw.close();

    store = createSqliteStore(path);
    const head = (await store.loadLedgerHeads([key])).get(key);
    expect(head).to.deep.include({ version: 2, lastId: second });
    expect(head?.state.first).to.deep.include({ id: first, payout_micros: 1_000_000 });
    const result = await processPostback(
      { store, rules: loadConfig({}).rules, settings: createSettingsCache(store, {}) },
      newId(),
      buildPostbackJob({ clickid: click.clickid, payout: '9' }),
    );
    expect(result.kind === 'settled' && result.entry).to.deep.include({ outcome: 'ignored_duplicate', conversion_id: first });
    await store.close();
    dir.remove();
  });
});
