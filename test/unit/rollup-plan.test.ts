import { expect } from 'chai';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import type { AggregateRow, TimeRange } from '../../shared/store/aggregates.js';
import { planAggregate, type GrainQuery } from '../../shared/store/rollup-plan.js';

const OCT_1 = Date.UTC(2026, 9, 1);
const HOUR = 3_600_000;
const row = (key: AggregateRow['key'], count: number, revenue = 0n): AggregateRow => ({
  key,
  count,
  revenueMicros: revenue,
  costMicros: 0n,
  distinctClicks: 0,
});

/** The planner's reads, answered by `answer` (by default: nothing), in the order it made them. */
function recorder(answer: (q: GrainQuery) => AggregateRow[] = () => []) {
  const reads: GrainQuery[] = [];
  const run = (q: GrainQuery): Promise<AggregateRow[]> => {
    reads.push(q);
    return Promise.resolve(answer(q));
  };
  return { reads, run };
}
const summary = (reads: GrainQuery[]) => reads.map((q) => ({ grain: q.grain, sub: q.sub, range: q.range }));
const days = (from: number, n: number): TimeRange => ({ from, to: from + n * DAY_MS });

describe('the aggregate planner: which store read answers a report', () => {
  it('when a report groups by date in UTC over whole days, then the 15-minute rollup answers it in one read', async () => {
    const { reads, run } = recorder();
    await planAggregate('conversions', ['day'], days(OCT_1, 30), {}, { tz: 'UTC' }, run);
    expect(summary(reads)).to.deep.equal([{ grain: 'bucket', sub: null, range: days(OCT_1, 30) }]);
  });

  it('when a campaign report starts mid-day, then whole days come from the day rollup, the part-day from raw rows, and a campaign in both is summed', async () => {
    const range = { from: OCT_1 + 6 * HOUR, to: OCT_1 + 3 * DAY_MS };
    const { reads, run } = recorder((q) => [row({ campaign: 'c1' }, q.grain === 'day' ? 5 : 2, q.grain === 'day' ? 500n : 200n)]);
    const rows = await planAggregate('conversions', ['campaign'], range, {}, {}, run);
    expect(summary(reads)).to.deep.equal([
      { grain: 'day', sub: null, range: { from: OCT_1 + DAY_MS, to: OCT_1 + 3 * DAY_MS } },
      { grain: 'raw', sub: null, range: { from: OCT_1 + 6 * HOUR, to: OCT_1 + DAY_MS } },
    ]);
    expect(rows).to.deep.equal([row({ campaign: 'c1' }, 7, 700n)]);
  });

  describe('after retention removed the raw clicks before a horizon', () => {
    const keptFrom = OCT_1 + 10 * DAY_MS;

    it('when a report over removed days can be served by the rollups, then they serve it even where raw scans are fast', async () => {
      const { reads, run } = recorder();
      await planAggregate('clicks', ['campaign', 'sub2'], days(OCT_1, 30), {}, { rawClicksFrom: keptFrom }, run, true);
      expect(reads.map((q) => [q.grain, q.sub])).to.have.deep.members([
        ['day', null],
        ['subDay', 'sub2'],
        ['subDay', 'sub2'],
      ]);
      const fast = recorder();
      await planAggregate('clicks', ['campaign', 'sub2'], days(keptFrom, 5), {}, { rawClicksFrom: keptFrom }, fast.run, true);
      expect(summary(fast.reads)).to.deep.equal([{ grain: 'raw', sub: null, range: days(keptFrom, 5) }]);
    });

    it('when a clicks report needs raw rows before the horizon, then it is refused with a 422 naming the first day kept; conversions are not', async () => {
      const { reads, run } = recorder();
      for (const [groupBy, options] of [
        [['sub1', 'sub2'], {}],
        [['campaign'], { distinctClicks: true }],
        [['day', 'sub1'], { tz: 'Asia/Kolkata' }],
      ] as const) {
        const refused = await planAggregate('clicks', groupBy, days(OCT_1, 30), {}, { ...options, rawClicksFrom: keptFrom }, run).then(
          () => null,
          (err: unknown) => err,
        );
        expect(refused, groupBy.join()).to.deep.include({ httpStatus: 422, code: 'REPORT.RAW_DATA_REMOVED' });
        expect((refused as Error).message).to.contain('raw clicks before 2026-10-11 (UTC) were removed');
      }
      expect(reads.filter((q) => q.grain === 'raw')).to.deep.equal([]);
      await planAggregate('conversions', ['sub1', 'sub2'], days(OCT_1, 30), {}, { rawClicksFrom: keptFrom }, run);
      expect(summary(reads).filter((q) => q.grain === 'raw')).to.deep.equal([{ grain: 'raw', sub: null, range: days(OCT_1, 30) }]);
    });
  });

  it('when local days are not UTC days (New York), then the day rollups are not used and raw rows answer', async () => {
    const { reads, run } = recorder();
    const range = { from: OCT_1 + 4 * HOUR, to: OCT_1 + 4 * HOUR + 30 * DAY_MS };
    await planAggregate('clicks', ['day', 'campaign'], range, {}, { tz: 'America/New_York' }, run);
    expect(summary(reads)).to.deep.equal([{ grain: 'raw', sub: null, range }]);
    expect(reads[0]?.offsets.map((o) => o.offsetMs)).to.deep.equal([-4 * HOUR]);
  });

  it('when a report groups by one sub, then set values come from its rollup and the unset group is the day rollup less them', async () => {
    const { reads, run } = recorder((q) =>
      q.grain === 'day' ? [row({ campaign: 'c1' }, 10, 1000n)] : [row({ campaign: 'c1', sub1: 'zone-a' }, 4, 400n)],
    );
    const rows = await planAggregate('conversions', ['campaign', 'sub1'], days(OCT_1, 2), {}, {}, run);
    expect(reads.map((q) => [q.grain, q.sub, q.groupBy])).to.have.deep.members([
      ['day', null, ['campaign']],
      ['subDay', 'sub1', ['campaign']],
      ['subDay', 'sub1', ['campaign', 'sub1']],
    ]);
    expect(rows).to.have.deep.members([row({ campaign: 'c1', sub1: 'zone-a' }, 4, 400n), row({ campaign: 'c1', sub1: null }, 6, 600n)]);
  });

  it('when the store scans raw rows fast (the column copy), then a sub report is one raw read, passed how many groups are needed', async () => {
    const { reads, run } = recorder();
    await planAggregate('clicks', ['sub2'], days(OCT_1, 30), {}, { first: 100 }, run, true);
    expect(reads).to.have.length(1);
    expect(reads[0]).to.include({ grain: 'raw', first: 100 });
  });

  it('when conversions are split by status and type on the column copy, then one raw read answers with the split of the asked grouping', async () => {
    const { reads, run } = recorder();
    await planAggregate('conversions', ['campaign'], days(OCT_1, 1), {}, { split: true }, run, true);
    expect(reads).to.have.length(1);
    expect(reads[0]?.grain).to.equal('raw');
    expect(reads[0]?.groupBy).to.deep.equal(['campaign', 'type', 'status']);
    expect(reads[0]?.splitOf).to.deep.equal(['campaign']);
  });

  it('when a report asks for distinct clicks, then only raw rows can answer', async () => {
    const { reads, run } = recorder();
    await planAggregate('clicks', ['campaign'], days(OCT_1, 2), {}, { distinctClicks: true }, run);
    expect(summary(reads)).to.deep.equal([{ grain: 'raw', sub: null, range: days(OCT_1, 2) }]);
  });

  it('when a total has nothing in range, then it is one row of zeros, not no row', async () => {
    const { run } = recorder();
    expect(await planAggregate('conversions', [], days(OCT_1, 1), {}, {}, run)).to.deep.equal([row({}, 0)]);
  });

  it('when a local day grouping has an open range, then it is refused', async () => {
    const { run } = recorder();
    let error: unknown = null;
    await planAggregate('clicks', ['day'], { from: null, to: OCT_1 }, {}, {}, run).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
  });
});
