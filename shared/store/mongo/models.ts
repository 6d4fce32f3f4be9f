import { Schema, type Connection } from 'mongoose';

/** A stored document: our own id as `_id`, the record's fields beside it. */
export type Doc = { _id: string } & Record<string, unknown>;

const options = { versionKey: false, strict: false, minimize: false } as const;

/** Documents use our own ids as `_id`; nested parts are plain objects. */
export function registerModels(connection: Connection) {
  const setting = new Schema({ kind: String, key: String, doc: Schema.Types.Mixed }, options);
  setting.index({ kind: 1, key: 1 }, { unique: true });

  const click = new Schema({ _id: String, ts: Number, campaign_id: String }, options);
  click.index({ ts: 1 });
  click.index({ campaign_id: 1, ts: 1 });

  const conversion = new Schema({ _id: String, clickid: String, type: String, created_at: Number }, options);
  conversion.index({ clickid: 1, type: 1 });
  conversion.index({ created_at: -1, _id: -1 });
  // The conversion log's and reports' filters: campaign and offer source live under `click`.
  // Each filter index ends with the keyset pager's sort, (created_at, _id) newest first.
  conversion.index({ 'click.campaign_id': 1, created_at: -1, _id: -1 });
  conversion.index({ 'click.offer_source_id': 1, created_at: -1, _id: -1 });
  conversion.index({ status: 1, created_at: -1, _id: -1 });
  conversion.index({ duplicate_status: 1, created_at: -1, _id: -1 });

  const postback = new Schema({ _id: String, received_at: Number, outcome: String, clickid: String }, options);
  postback.index({ received_at: -1, _id: -1 });
  postback.index({ outcome: 1, received_at: -1, _id: -1 });
  postback.index({ clickid: 1 });
  postback.index({ conversion_id: 1 });
  postback.index({ campaign_id: 1, received_at: -1, _id: -1 });
  // The log's test filter and the test-data purge.
  postback.index({ test: 1, received_at: -1, _id: -1 });

  return {
    Setting: connection.model('Setting', setting, 'settings'),
    Click: connection.model('Click', click, 'clicks'),
    Conversion: connection.model('Conversion', conversion, 'conversions'),
    // Test postbacks' conversions: the same shape and indexes, apart from everything reports read.
    TestConversion: connection.model('TestConversion', conversion.clone(), 'test_conversions'),
    Postback: connection.model('Postback', postback, 'postbacks'),
  };
}
export type Models = ReturnType<typeof registerModels>;
