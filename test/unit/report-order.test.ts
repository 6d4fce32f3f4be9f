import { expect } from 'chai';
import { topRows } from '../../services/report/report-order.js';
import type { ReportRow } from '../../services/report/report-row.js';

interface Acc {
  dims: Record<string, string | null>;
  conversions: number;
}

describe('report order: the first rows of a report', () => {
  const accs = (): Acc[] => [
    { dims: { campaign: 'b', sub1: 'x' }, conversions: 5 },
    { dims: { campaign: 'a', sub1: 'y' }, conversions: 1 },
    { dims: { campaign: 'a', sub1: null }, conversions: 9 },
    { dims: { campaign: 'c', sub1: 'x' }, conversions: 3 },
  ];
  const counting = () => {
    const built: Acc[] = [];
    const build = (acc: Acc): ReportRow => {
      built.push(acc);
      return { ...acc.dims, conversions: acc.conversions };
    };
    return { built, build };
  };
  const keys = (rows: ReportRow[]) => rows.map((r) => [r.campaign, r.sub1].map((v) => (v === null ? 'null' : (v as string))).join('/'));

  it('when no sort is asked, then rows follow the group values in order, an unset value first, and only the rows returned are built', () => {
    const { built, build } = counting();
    const rows = topRows(accs(), ['campaign', 'sub1'], undefined, 2, build);
    expect(keys(rows)).to.deep.equal(['a/null', 'a/y']);
    expect(built, 'rows past the limit are never built').to.have.length(2);
  });

  it('when sorted by a grouped dimension descending, then ties keep the group order', () => {
    const { build } = counting();
    expect(keys(topRows(accs(), ['campaign', 'sub1'], '-campaign', 10, build))).to.deep.equal(['c/x', 'b/x', 'a/null', 'a/y']);
  });

  it('when sorted by a metric, then every row is built and the limit applies after sorting', () => {
    const { built, build } = counting();
    const rows = topRows(accs(), ['campaign', 'sub1'], '-conversions', 2, build);
    expect(rows.map((r) => r.conversions)).to.deep.equal([9, 5]);
    expect(built).to.have.length(4);
    expect(keys(topRows(accs(), ['campaign', 'sub1'], 'conversions', 1, counting().build))).to.deep.equal(['a/y']);
  });
});
