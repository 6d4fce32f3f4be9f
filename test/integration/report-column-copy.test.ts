import { join } from 'node:path';
import { expect } from 'chai';
import { buildReport, type ReportInput } from '../../services/report/build-report.js';
import { rangeOf } from '../../services/report/dates.js';
import type { ReportDimension } from '../../services/report/report.schema.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Dimension, Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, putConversion } from '../helpers/builders.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The report service reads the embedded store through its column copy, asking only for
 * the groups a page shows: its reports must be the reports of the tables themselves.
 */
describe('reports from the column copy', () => {
  let dir: ReturnType<typeof tempDir>;
  let copied: Store;
  let plain: Store;

  before(async () => {
    dir = tempDir();
    const path = join(dir.path, 'store.db');
    copied = createSqliteStore(path, { columnCopy: true });
    plain = createSqliteStore(path);
    await copied.conversionTypes.put('Deposit', {
      name: 'Deposit',
      duplicate_mode: null,
      journey: false,
      send_to_channel: false,
      created_at: 1,
    });
    await copied.prepareReports?.();
    // Two days around New York's midnight, 40 zones, 3 campaigns; some clicks convert, some twice.
    const start = Date.UTC(2026, 10, 20, 2);
    const clicks = Array.from({ length: 240 }, (_, i) =>
      buildClick({
        ts: start + i * 600_000,
        campaign_id: `cmp-${String(i % 3)}`,
        cost_micros: 1_000 + i,
        // sub2 and sub3 take a value per click: grouped with sub1 their key space passes a million (a hash, not a table).
        subs: i % 7 === 0 ? {} : { sub1: `zone-${String((i * 13) % 40)}`, sub2: `p-${String(i)}`, sub3: `d-${String((i * 11) % 239)}` },
        // Traits as the worker derives them; every fifth click from an address the IP database does not know.
        traits: {
          ...(i % 5 === 0 ? {} : { country: ['US', 'DE', 'BR', 'IN'][i % 4] as string }),
          device_type: i % 3 === 0 ? 'mobile' : 'desktop',
          os: i % 3 === 0 ? 'Android' : 'Windows',
          browser: 'Chrome',
          browser_version: String(118 + (i % 3)),
          bot: i % 11 === 0 ? 'true' : 'false',
        },
      }),
    );
    await plain.insertClicks(clicks);
    for (const [i, click] of clicks.entries()) {
      if (i % 2 === 0) continue;
      const status = STATUSES[i % STATUSES.length] ?? 'approved';
      await putConversion(plain, buildConversion(click, { status, payout_micros: 1_000_001 * (i % 5), created_at: click.ts + 1000 }));
      if (i % 3 === 0)
        await putConversion(plain, buildConversion(click, { type: 'Deposit', payout_micros: 7_000_000, created_at: click.ts + 2000 }));
    }
  });
  after(async () => {
    await copied.close();
    await plain.close();
    dir.remove();
  });

  const cases: Array<[ReportDimension[], string, Partial<ReportInput>]> = [
    [['sub1'], 'UTC', { limit: 5 }],
    [['sub1'], 'UTC', { limit: 5, sort: '-revenue' }],
    [['date', 'sub1'], 'America/New_York', { limit: 7 }],
    [['campaign', 'sub1'], 'UTC', { limit: 4, filters: { campaign: 'cmp-1' } }],
    [['sub1', 'type'], 'UTC', { limit: 6 }],
    [['campaign', 'type', 'status'], 'Asia/Kolkata', { limit: 5 }],
    [['hour'], 'America/New_York', { limit: 3 }],
    [['sub1'], 'UTC', { limit: 1000, filters: { status: 'approved' } }],
    [['sub1', 'sub2', 'sub3'], 'UTC', { limit: 9 }],
    [['sub3', 'sub2', 'sub1'], 'UTC', { limit: 1000 }],
    [['country'], 'UTC', { limit: 1000 }],
    [['date', 'country'], 'America/New_York', { limit: 1000, filters: { bot: 'false' } }],
    [['device_type', 'os', 'browser_version'], 'UTC', { limit: 4, sort: '-revenue' }],
    [['country', 'sub1'], 'UTC', { limit: 10, filters: { device_type: 'mobile' } }],
  ];
  for (const [groupBy, tz, extra] of cases) {
    it(`when grouped by ${groupBy.join(',')} in ${tz} (${JSON.stringify(extra)}), then rows and totals equal the tables' report`, async () => {
      const input: ReportInput = { groupBy, tz, range: rangeOf('2026-11-19', '2026-11-22', tz), filters: {}, limit: 1000, ...extra };
      const fromCopy = await buildReport(copied, input);
      const fromTables = await buildReport(plain, input);
      expect(fromCopy.rows.length, 'a page of rows').to.be.greaterThan(0);
      expect(fromCopy).to.deep.equal(fromTables);
      // The page is the beginning of the whole report.
      const whole = await buildReport(plain, { ...input, limit: 10_000 });
      expect(fromCopy.rows).to.deep.equal(whole.rows.slice(0, input.limit));
      expect(fromCopy.totals).to.deep.equal(whole.totals);
    });
  }
});

describe('column copy: local days across a daylight saving change', () => {
  it('when clicks and conversions fall either side of New York’s fall-back, then days and buckets from the copy equal the tables', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'store.db');
    const copied = createSqliteStore(path, { columnCopy: true });
    const plain = createSqliteStore(path);
    try {
      await copied.prepareReports?.();
      // New York springs forward on 8 March 2026 (07:00 UTC, UTC-5 to UTC-4) and falls back on 1 November (06:00 UTC):
      // clicks every 20 minutes over three days around each.
      const clicks = [Date.UTC(2026, 2, 7, 0), Date.UTC(2026, 9, 31, 0)].flatMap((start) =>
        Array.from({ length: 216 }, (_, i) => buildClick({ ts: start + i * 1_200_000, subs: { sub1: `z${String(i % 3)}` } })),
      );
      await plain.insertClicks(clicks);
      for (const click of clicks.filter((_, i) => i % 4 === 0))
        await putConversion(plain, buildConversion(click, { created_at: click.ts + 5000 }));
      const line = (r: { key: object; count: number; revenueMicros: bigint; costMicros: bigint }) =>
        JSON.stringify([r.key, r.count, String(r.revenueMicros), String(r.costMicros)]);
      const ranges = [
        { from: Date.UTC(2026, 2, 7, 5), to: Date.UTC(2026, 2, 10, 4) },
        { from: Date.UTC(2026, 9, 31, 4), to: Date.UTC(2026, 10, 3, 5) },
      ];
      const groupings: Dimension[][] = [
        ['day', 'sub1'],
        ['sub1', 'day'],
        ['bucket', 'sub1'],
      ];
      for (const range of ranges)
        for (const groupBy of groupings)
          for (const of of ['clicks', 'conversions'] as const) {
            // The tables: no copy, and distinct clicks read the raw rows.
            const ask = (store: Store, distinctClicks: boolean) =>
              of === 'clicks'
                ? store.aggregateClicks(groupBy, range, {}, { tz: 'America/New_York' })
                : store.aggregateConversions(groupBy, range, {}, { tz: 'America/New_York', distinctClicks });
            const fromCopy = (await ask(copied, false)).map(line).sort();
            const fromTables = (await ask(plain, true)).map(line).sort();
            expect(fromCopy, `${of} ${groupBy.join(',')} ${new Date(range.from).toISOString()}`).to.deep.equal(fromTables);
            expect(fromCopy.length).to.be.greaterThan(3);
          }
    } finally {
      await copied.close();
      await plain.close();
      dir.remove();
    }
  });
});
