import type { Database } from 'better-sqlite3';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from '../store.js';

const COLUMNS: Record<Exclude<Dimension, 'bucket'>, string> = {
  campaign: 'campaign_id',
  offer: 'offer_id',
  offer_source: 'offer_source_id',
  traffic_channel: 'traffic_channel_id',
  type: 'type',
  status: 'status',
  sub1: 'sub1',
  sub2: 'sub2',
  sub3: 'sub3',
  sub4: 'sub4',
  sub5: 'sub5',
  sub6: 'sub6',
  sub7: 'sub7',
  sub8: 'sub8',
  sub9: 'sub9',
  sub10: 'sub10',
};

interface Source {
  table: 'clicks' | 'conversions';
  time: 'ts' | 'created_at';
  measures: string;
}

const CLICKS: Source = { table: 'clicks', time: 'ts', measures: 'COUNT(*) AS n, 0 AS revenue, COALESCE(SUM(cost_micros), 0) AS cost, COUNT(*) AS distinct_clicks' };
const CONVERSIONS: Source = {
  table: 'conversions',
  time: 'created_at',
  measures: 'COUNT(*) AS n, COALESCE(SUM(payout_micros), 0) AS revenue, 0 AS cost, COUNT(DISTINCT clickid) AS distinct_clicks',
};

type Row = Record<string, string | bigint | null>;

/** GROUP BY over clicks or conversions; dimension names map to fixed columns only. */
export function aggregate(db: Database, of: 'clicks' | 'conversions', groupBy: readonly Dimension[], range: TimeRange, filters: Filters): AggregateRow[] {
  const source = of === 'clicks' ? CLICKS : CONVERSIONS;
  const selects = groupBy.map((dim, i) => `${expression(dim, source)} AS d${i}`);
  const where: string[] = [];
  const params: Array<number | string> = [];
  for (const [dim, value] of Object.entries(filters) as Array<[Exclude<Dimension, 'bucket'>, string | null | undefined]>) {
    if (value === undefined) continue;
    if (value === null) where.push(`${COLUMNS[dim]} IS NULL`);
    else {
      where.push(`${COLUMNS[dim]} = ?`);
      params.push(value);
    }
  }
  if (range.from !== null) {
    where.push(`${source.time} >= ?`);
    params.push(range.from);
  }
  if (range.to !== null) {
    where.push(`${source.time} < ?`);
    params.push(range.to);
  }
  const sql = [
    `SELECT ${[...selects, source.measures].join(', ')} FROM ${source.table}`,
    where.length ? `WHERE ${where.join(' AND ')}` : '',
    groupBy.length ? `GROUP BY ${groupBy.map((_, i) => `d${i}`).join(', ')}` : '',
  ].join(' ');
  const rows = db.prepare(sql).safeIntegers(true).all(...params) as Row[];
  return rows.map((row) => ({
    key: Object.fromEntries(groupBy.map((dim, i) => [dim, stringOrNull(row[`d${i}`])])),
    count: Number(row.n),
    revenueMicros: BigInt(row.revenue ?? 0),
    costMicros: BigInt(row.cost ?? 0),
    distinctClicks: Number(row.distinct_clicks),
  }));
}

function expression(dim: Dimension, source: Source): string {
  if (dim === 'bucket') return `${source.time} / ${BUCKET_MS}`;
  return COLUMNS[dim];
}

function stringOrNull(value: string | bigint | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
