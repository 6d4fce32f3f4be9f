import { join } from 'node:path';
import { expect } from 'chai';
import { processPostback } from '../../services/worker/process-postback.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import { newId } from '../../shared/domain/ids.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildPostbackJob } from '../helpers/builders.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';

describe('settings read through the cache: never a removed type', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let clickid: string;
  const rules = loadConfig({}).rules;
  const sale = { name: 'Sale', duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 };

  beforeEach(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    const seeded = await seedCampaign(store);
    const click = clickFor(seeded);
    await store.insertClick(click);
    clickid = click.clickid;
    await store.conversionTypes.put('Sale', sale);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  const sendSale = async (deps: Parameters<typeof processPostback>[0]) => {
    const result = await processPostback(deps, newId(), buildPostbackJob({ clickid, type: 'Sale', payout: '3' }));
    return result.kind === 'settled' ? result.entry : null;
  };

  it('when a type is removed after the cache loaded it, then the next postback of that type is rejected as unknown_type', async () => {
    const deps = { store, rules, settings: createSettingsCache(store, {}) };
    expect((await sendSale(deps))?.outcome).to.equal('recorded');
    await store.conversionTypes.delete('Sale');
    expect(await sendSale(deps)).to.deep.include({ outcome: 'rejected', reason: 'unknown_type' });
    await store.conversionTypes.put('Sale', sale);
    expect((await sendSale(deps))?.outcome, 'added again, it counts again').to.equal('recorded');
  });

  it('when a type is removed between the settings check and the commit, then the commit is refused and the postback runs again on fresh settings', async () => {
    let deleted = false;
    let refused = 0;
    // Another process deletes the type after this batch read its settings, before it commits.
    const racing: Store = {
      ...store,
      getClicks: async (ids) => {
        if (!deleted) {
          deleted = true;
          await store.conversionTypes.delete('Sale');
        }
        return store.getClicks(ids);
      },
      commitLedgers: async (...args) => {
        const result = await store.commitLedgers(...args);
        if (result.settingsChanged) refused++;
        return result;
      },
    };
    const entry = await sendSale({ store: racing, rules, settings: createSettingsCache(racing, {}) });
    expect(refused, 'the first commit was refused').to.equal(1);
    expect(entry).to.deep.include({ outcome: 'rejected', reason: 'unknown_type' });
    expect((await store.listConversions({ clickid }, { limit: 10, cursor: null })).items).to.deep.equal([]);
  });
});
