import type { Delivery } from '../../domain/outbound.js';
import type { DeliveryRepository } from '../store.js';
import { page, timeRange, unwrap, type MongoContext } from './common.js';

type DeliveryDoc = { _id: string; conversion_id: string; channel_id: string; state: string; created_at: number; doc: Delivery };

/** The delivery log: the delivery whole under `doc`, its filter fields beside it. */
export async function createMongoDeliveries({ db }: MongoContext): Promise<DeliveryRepository> {
  const deliveries = db.collection<DeliveryDoc>('deliveries');
  await deliveries.createIndex({ created_at: -1, _id: -1 }, {}, {});
  await deliveries.createIndex({ conversion_id: 1 }, {}, {});
  await deliveries.createIndex({ state: 1, created_at: -1, _id: -1 }, {}, {});
  const deliveryDoc = (d: Delivery) => ({
    conversion_id: d.conversion_id,
    channel_id: d.channel_id,
    state: d.state,
    created_at: d.created_at,
    doc: d,
  });
  return {
    createDelivery: async (delivery) => {
      await deliveries.updateOne({ _id: delivery.id }, { $setOnInsert: deliveryDoc(delivery) }, { upsert: true });
      return (await deliveries.findOne({ _id: delivery.id }))?.doc ?? delivery;
    },
    getDelivery: async (id) => (await deliveries.findOne({ _id: id }))?.doc ?? null,
    updateDelivery: async (delivery) => {
      // Only a delivery that was created is updated, as in SQLite.
      await deliveries.replaceOne({ _id: delivery.id }, deliveryDoc(delivery));
    },
    listDeliveries: async ({ from, to, ...rest }, query) =>
      unwrap(
        await page<{ doc: Delivery }, DeliveryDoc>(deliveries, 'created_at', { ...rest, created_at: timeRange(from, to) }, query, '_id'),
      ),
  };
}
