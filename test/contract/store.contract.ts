import type { Store } from '../../shared/store/store.js';
import type { StoreFactory } from '../helpers/store-factories.js';
import { aggregateContract } from './aggregates.contract.js';
import { shapesContract } from './shapes.contract.js';
import { splitAggregateContract } from './aggregates-split.contract.js';
import { clickContract } from './clicks.contract.js';
import { listingContract } from './conversions.contract.js';
import { postbackLogContract } from './postback-log.contract.js';
import { settingsContract } from './settings.contract.js';
import { costContract } from './costs.contract.js';
import { deliveryContract } from './deliveries.contract.js';
import { ledgerContract } from './ledgers.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';
import { retentionContract } from './retention.contract.js';

/** The one behaviour every store adapter must have. */
export function storeContract(makeStore: StoreFactory['make']): void {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await makeStore());
  });
  afterEach(async () => dispose());

  settingsContract(() => store);
  clickContract(() => store);
  postbackLogContract(() => store);
  listingContract(() => store);
  aggregateContract(() => store);
  splitAggregateContract(() => store);
  ledgerContract(() => store);
  costContract(() => store);
  deliveryContract(() => store);
  retentionContract(() => store);
  lifecycleContract(() => store);
  shapesContract(() => store);
}
