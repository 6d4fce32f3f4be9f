import { join } from 'node:path';
import { expect } from 'chai';
import type { Express } from 'express';
import request from 'supertest';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, putConversion } from '../helpers/builders.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';

describe('customer journey', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let report: { app: Express; close: () => Promise<void> };
  const get = (path: string) =>
    request(report.app)
      .get(`/api${path}`)
      .set({ Authorization: `Bearer ${TEST_API_KEY}` });
  const t0 = Date.parse('2026-11-20T10:00:00Z');
  const [a, b, c] = [buildClick({ clickid: 'ja', ts: t0 }), buildClick({ clickid: 'jb', ts: t0 }), buildClick({ clickid: 'jc', ts: t0 })];

  before(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    report = await startReport(testRedisUrl(), uniquePrefix(), store);
    // Configured in funnel order; "Other" does not count in the journey.
    for (const [name, journey, at] of [
      ['Registration', true, 1],
      ['Deposit', true, 2],
      ['Other', false, 3],
    ] as const) {
      await store.conversionTypes.put(name, { name, duplicate_mode: null, journey, send_to_channel: false, created_at: at });
    }
    for (const click of [a, b, c]) await store.insertClick(click);
    await putConversion(store, buildConversion(a, { type: 'Deposit', created_at: t0 + 300_000, payout_micros: 50_000_000 }));
    await putConversion(store, buildConversion(a, { type: 'Registration', created_at: t0 + 60_000 }));
    await putConversion(store, buildConversion(a, { type: 'Other', created_at: t0 + 100_000 }));
    await putConversion(store, buildConversion(b, { type: 'Registration', created_at: t0 + 30_000 }));
  });
  after(async () => {
    await report.close();
    await store.close();
    dir.remove();
  });

  it("when a click's journey is asked, then it shows the journey-type conversions in time order with the time since the click", async () => {
    const { body } = await get('/journeys/ja').expect(200);
    expect(body.click).to.include({ clickid: 'ja', at: '2026-11-20T10:00:00.000Z' });
    expect(body.events.map((e: Record<string, unknown>) => [e.type, e.seconds_since_click, e.payout])).to.deep.equal([
      ['Registration', 60, 1],
      ['Deposit', 300, 50],
    ]);
    await get('/journeys/nope').expect(404);
  });

  it('when the funnel is asked, then it counts clicks reaching each journey type and the rate between steps', async () => {
    const { body } = await get('/journeys/funnel?from=2026-11-20&to=2026-11-20').expect(200);
    expect(body).to.deep.equal({
      clicks: 3,
      steps: [
        { type: 'Registration', clicks: 2, rate_from_previous: 66.666667 },
        { type: 'Deposit', clicks: 1, rate_from_previous: 50 },
      ],
    });
  });
});
