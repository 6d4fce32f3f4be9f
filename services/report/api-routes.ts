import type { ApiDeps } from './api-deps.js';
import { costRoutes } from './costs.route.js';
import { fxRateRoutes } from './fx-rates.route.js';
import { journeyRoutes } from './journeys.route.js';
import { lifecycleRoutes } from './lifecycle.route.js';
import { logRoutes } from './logs.route.js';
import { outboundRoutes } from './outbound.route.js';
import { replayRoutes } from './replay.route.js';
import { reportRoutes } from './report.route.js';
import type { ApiRoute } from './route-table.js';
import { settingsRoutes } from './settings.route.js';

/** The route table of `/api`: every route the API serves and documents, in the order the docs list them. */
export type { ApiDeps };

export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    ...settingsRoutes(deps),
    ...logRoutes(deps),
    ...lifecycleRoutes(deps),
    ...replayRoutes(deps),
    ...reportRoutes(deps),
    ...journeyRoutes(deps),
    ...costRoutes(deps),
    ...fxRateRoutes(deps),
    ...outboundRoutes(deps),
  ];
}
