import type mongoose from 'mongoose';
import type { Cursor, Page, PageQuery } from '../store.js';
import type { ConversionRecord } from '../../domain/entities.js';
import { REVERSED, reportStatus } from '../../domain/reversal.js';
import type { Status } from '../../domain/statuses.js';
import type { Doc } from './models.js';
import type { MongoRollups } from './rollups.js';

export type Session = mongoose.mongo.ClientSession | undefined;

/** What the repositories share: the database, the raw collections, the rollups and the transaction runner. */
export interface MongoContext {
  db: mongoose.mongo.Db;
  clicks: mongoose.mongo.Collection<Doc>;
  conversions: mongoose.mongo.Collection<Doc>;
  /** Conversions of test postbacks: apart from everything reports read. */
  testConversions: mongoose.mongo.Collection<Doc>;
  postbacks: mongoose.mongo.Collection<Doc>;
  rollups: MongoRollups;
  /** Runs `work` in one multi-document transaction (a replica set is required). */
  inTransaction: <T>(work: (session: Session) => Promise<T>) => Promise<T>;
}

// A document is untyped at this boundary: the caller names what the collection holds.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see above
export const fromDoc = <T>({ _id, ...rest }: Doc, idField: string): T => ({ [idField]: _id, ...rest }) as T;

/** A record as a document: its id is `_id`. */
export const withoutId = <T extends { id: string }>({ id: _id, ...rest }: T): Omit<T, 'id'> => rest;

/** Newest first, keyset-paged on (time, _id) so equal timestamps never repeat or skip. */

export async function page<T, D extends { _id: string }>(
  collection: mongoose.mongo.Collection<D>,
  time: string,
  filter: Record<string, unknown>,
  query: PageQuery,
  idField: string,
): Promise<Page<T>> {
  const clauses: Record<string, unknown>[] = [definedOnly(filter)];
  if (query.cursor) clauses.push({ $or: [{ [time]: { $lt: query.cursor.t } }, { [time]: query.cursor.t, _id: { $lt: query.cursor.id } }] });
  const docs = (await collection
    .find({ $and: clauses } as mongoose.mongo.Filter<D>)
    .sort({ [time]: -1, _id: -1 })
    .limit(query.limit + 1)
    .toArray()) as unknown as Doc[];
  const last = docs[query.limit - 1];
  const next: Cursor | null = docs.length > query.limit && last ? { t: Number(last[time]), id: last._id } : null;
  return { items: docs.slice(0, query.limit).map((doc) => fromDoc<T>(doc, idField)), next };
}

/** Records kept whole under `doc`. */
export function unwrap<T>(found: Page<{ doc: T }>): Page<T> {
  return { items: found.items.map((item) => item.doc), next: found.next };
}

export function timeRange(from: number | undefined, to: number | undefined): Record<string, number> | undefined {
  if (from === undefined && to === undefined) return undefined;
  return { ...(from === undefined ? {} : { $gte: from }), ...(to === undefined ? {} : { $lt: to }) };
}

function definedOnly(filter: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

/** A conversion as stored: a reversed one under the status `reversed`, which the rollups and aggregates group by. */
export const toConversionDoc = (record: ConversionRecord): Omit<ConversionRecord, 'id'> =>
  withoutId({ ...record, status: reportStatus(record) as Status });

/** A stored conversion as the API reads it. */
export function fromConversionDoc(doc: Doc, test: boolean): ConversionRecord {
  const record = fromDoc<ConversionRecord>(doc, 'id');
  return {
    ...record,
    status: (record.status as string) === REVERSED ? 'declined' : record.status,
    test,
    reversal: record.reversal ?? null,
  };
}
