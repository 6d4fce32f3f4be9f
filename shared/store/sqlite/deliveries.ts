import type { Database } from 'better-sqlite3';
import type { Delivery } from '../../domain/outbound.js';
import type { DeliveryFilter, DeliveryRepository } from '../store.js';
import type { Queries } from './queries.js';

/** The delivery log: one row per conversion event and channel, the delivery as JSON beside its filter columns. */
export function createSqliteDeliveries(db: Database, { page }: Queries): DeliveryRepository {
  const getDelivery = db.prepare<[string], { doc: string }>('SELECT doc FROM deliveries WHERE id = ?');
  const insertDelivery = db.prepare(
    'INSERT OR IGNORE INTO deliveries (id, conversion_id, channel_id, state, created_at, doc) VALUES (@id, @conversion_id, @channel_id, @state, @created_at, @doc)',
  );
  const updateDelivery = db.prepare('UPDATE deliveries SET state = @state, doc = @doc WHERE id = @id');
  const deliveryRow = (d: Delivery) => ({
    id: d.id,
    conversion_id: d.conversion_id,
    channel_id: d.channel_id,
    state: d.state,
    created_at: d.created_at,
    doc: JSON.stringify(d),
  });
  return {
    createDelivery: async (delivery) => {
      insertDelivery.run(deliveryRow(delivery));
      return JSON.parse((getDelivery.get(delivery.id) as { doc: string }).doc) as Delivery;
    },
    getDelivery: async (id) => {
      const row = getDelivery.get(id);
      return row ? (JSON.parse(row.doc) as Delivery) : null;
    },
    updateDelivery: async (delivery) => {
      updateDelivery.run(deliveryRow(delivery));
    },
    listDeliveries: async (filter: DeliveryFilter, query) =>
      page('deliveries', 'created_at', { ...filter }, query, (row: { doc: string }) => JSON.parse(row.doc) as Delivery),
  };
}
