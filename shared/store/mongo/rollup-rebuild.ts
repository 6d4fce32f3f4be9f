import type mongoose from 'mongoose';
import { ROLLED_KEYS } from '../../domain/rolled-keys.js';
import { DAY_MS } from '../../domain/time-zone.js';
import { BUCKET_MS } from '../aggregates.js';

const NAMESPACE_NOT_FOUND = 26;

/**
 * Builds every rollup afresh from the raw collections, each aside (`$out` to
 * `<rollup>_rebuild`) and then renamed over the old one, so a reader never sees a
 * half-built rollup. The grains are those `createMongoRollups` keeps up to date.
 */
export async function rebuildAside(db: mongoose.mongo.Db): Promise<void> {
  const placement = {
    campaign_id: '$campaign_id',
    offer_id: '$offer_id',
    offer_source_id: '$offer_source_id',
    traffic_channel_id: '$traffic_channel_id',
  };
  const clickPlacement = placement;
  const convPlacement = Object.fromEntries(Object.entries(placement).map(([k, v]) => [k, v.replace('$', '$click.')]));
  const floor = (field: string, unit: number) => ({ $floor: { $divide: [field, unit] } });
  // One row per set sub or rolled trait: the subs and traits objects as [{k: 'sub1', v}, {k: 'country', v}, …], one
  // document each, numbered by their place in ROLLED_KEYS (a trait with no rollup, such as city, has none and goes).
  const perSub = (subs: string, traits: string): object[] => [
    {
      $project: {
        doc: '$$ROOT',
        sub: { $concatArrays: [{ $objectToArray: { $ifNull: [subs, {}] } }, { $objectToArray: { $ifNull: [traits, {}] } }] },
      },
    },
    { $unwind: '$sub' },
    { $addFields: { sub_n: { $add: [{ $indexOfArray: [[...ROLLED_KEYS], '$sub.k'] }, 1] } } },
    { $match: { sub_n: { $gt: 0 } } },
    { $replaceRoot: { newRoot: { $mergeObjects: ['$doc', { sub_n: '$sub_n', sub_v: '$sub.v' }] } } },
  ];
  const runs: Array<[string, string, object, object, object[]]> = [
    ['clicks', 'roll_click_q', { bucket: floor('$ts', BUCKET_MS) }, { n: { $sum: 1 }, cost: { $sum: { $toLong: '$cost_micros' } } }, []],
    [
      'clicks',
      'roll_click_d',
      { day: floor('$ts', DAY_MS), ...clickPlacement },
      { n: { $sum: 1 }, cost: { $sum: { $toLong: '$cost_micros' } } },
      [],
    ],
    [
      'clicks',
      'roll_click_sd',
      { sub: '$sub_n', day: floor('$ts', DAY_MS), value: '$sub_v', ...clickPlacement },
      { n: { $sum: 1 }, cost: { $sum: { $toLong: '$cost_micros' } } },
      perSub('$subs', '$traits'),
    ],
    [
      'conversions',
      'roll_conv_q',
      { bucket: floor('$created_at', BUCKET_MS), type_key: { $ifNull: ['$type', ''] }, status: '$status' },
      { n: { $sum: 1 }, revenue: { $sum: { $toLong: '$payout_micros' } } },
      [],
    ],
    [
      'conversions',
      'roll_conv_d',
      { day: floor('$created_at', DAY_MS), ...convPlacement, type_key: { $ifNull: ['$type', ''] }, status: '$status' },
      { n: { $sum: 1 }, revenue: { $sum: { $toLong: '$payout_micros' } } },
      [],
    ],
    [
      'conversions',
      'roll_conv_sd',
      {
        sub: '$sub_n',
        day: floor('$created_at', DAY_MS),
        value: '$sub_v',
        ...convPlacement,
        type_key: { $ifNull: ['$type', ''] },
        status: '$status',
      },
      { n: { $sum: 1 }, revenue: { $sum: { $toLong: '$payout_micros' } } },
      perSub('$click.subs', '$click.traits'),
    ],
  ];
  for (const [source, target, id, sums, unwind] of runs) {
    await db
      .collection(source)
      .aggregate([...unwind, { $group: { _id: id, ...sums } }, { $out: `${target}_rebuild` }], { allowDiskUse: true })
      .toArray();
    try {
      await db.renameCollection(`${target}_rebuild`, target, { dropTarget: true });
    } catch (err) {
      // Nothing to count (an empty source): $out made no collection, and the rollup is empty.
      if ((err as { code?: number }).code !== NAMESPACE_NOT_FOUND) throw err;
      await db.collection(target).deleteMany({});
    }
  }
}
