type Cell = string | number | null;
/** One report row: dimension values, metrics, per-status columns, per-type columns. */
export type ReportRow = Record<string, Cell | Record<string, { conversions: number; revenue: number }>>;

/** A report: its rows, the totals over all of them, and the types that have columns. */
export interface Report {
  rows: ReportRow[];
  totals: ReportRow;
  /** The configured conversion types, each with its own pair of columns. */
  types: string[];
}
