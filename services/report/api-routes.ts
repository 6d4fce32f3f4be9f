import type { FxRates } from '../../shared/domain/fx.js';
import type { Store } from '../../shared/store/store.js';
import { costRoutes, type EnqueueCost, type QueuedState } from './costs.route.js';
import { fxRateRoutes } from './fx-rates.route.js';
import { journeyRoutes } from './journeys.route.js';
import { logRoutes } from './logs.route.js';
import { outboundRoutes, type RetryDelivery } from './outbound.route.js';
import { replayRoutes, type EnqueueReplay } from './replay.route.js';
import { reportRoutes } from './report.route.js';
import type { ApiRoute } from './route-table.js';
import { settingsRoutes } from './settings.route.js';

export interface ApiDeps {
  store: Store;
  /** The receiver's public base URL, for `postback_url` and `click_url`. */
  publicUrl: string;
  journeyTypeLimit: number;
  accountCurrency: string;
  /** Rates from FX_RATES_FILE, shown beside those set over the API. */
  fileRates: FxRates;
  /** Today's rates (file and API). */
  rates: () => Promise<FxRates>;
  /** Puts a replay job on the postbacks queue. */
  enqueueReplay: EnqueueReplay;
  enqueueCost: EnqueueCost;
  queuedState: QueuedState;
  retryDelivery: RetryDelivery;
}

/** The route table of `/api`: every route the API serves and documents, in the order the docs list them. */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    ...settingsRoutes(deps),
    ...logRoutes(deps.store),
    ...replayRoutes(deps.store, deps.enqueueReplay),
    ...reportRoutes(deps.store),
    ...journeyRoutes(deps.store),
    ...costRoutes(deps),
    ...fxRateRoutes(deps.store, deps.accountCurrency, deps.fileRates),
    ...outboundRoutes(deps.store, deps.retryDelivery),
  ];
}
