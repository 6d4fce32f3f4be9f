import { PLATFORM_CLICK_IDS, SUB_KEYS, type Campaign, type Subs } from '../../shared/domain/entities.js';
import { MONEY_PATTERN } from '../../shared/domain/money.js';
import { newId } from '../../shared/domain/ids.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { ClickJob } from '../../shared/queue/jobs.js';
import type { CampaignDirectory } from './campaign-directory.js';
import { queueUnavailable, type Enqueue } from './enqueue.js';
import { fillOfferUrl } from './offer-url.js';

/** A visit to `/click/:campaignId`, as either HTTP path read it. */
export interface ClickRequest {
  campaignId: string;
  /** The query string, parsed as `querystring.parse` does (a repeated key is an array). */
  query: Record<string, string | string[] | undefined>;
  ip: string | null;
  userAgent: string | string[] | undefined;
  requestId: string;
}

/** Queues the click durably and answers the offer URL to redirect to; a 404 AppError for an unknown campaign, a 503 when Redis did not take it. */
export type AcceptClick = (request: ClickRequest) => Promise<string>;

const MAX_VALUE = 500;

/** A visitor's value: the first if repeated, cut to a sane length. Clicks are never refused for their subs. */
function single(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first.slice(0, MAX_VALUE) : null;
}

/**
 * The click's cost from the campaign's cost parameter: a decimal ≥ 0 with up to 6
 * decimals. Anything else (an unfilled macro such as `{bid}`, a negative, text) is no
 * cost: a visitor is never refused for it.
 */
function costOf(campaign: Campaign, query: ClickRequest['query']): Pick<ClickJob, 'cost' | 'cost_currency'> {
  if (!campaign.cost_param) return {};
  const text = single(query[campaign.cost_param]);
  return text !== null && MONEY_PATTERN.test(text) ? { cost: text, cost_currency: campaign.cost_currency ?? null } : {};
}

function externalIdOf(query: ClickRequest['query']): string | null {
  let id = single(query.external_id);
  for (const key of PLATFORM_CLICK_IDS) id ??= single(query[key]);
  return id;
}

/** The click use case, the same whichever HTTP path (the lean one or Express) took the request. */
export function createClickAcceptor({
  campaigns,
  enqueueClick,
  logger,
}: {
  campaigns: CampaignDirectory;
  enqueueClick: Enqueue<ClickJob>;
  logger: Logger;
}): AcceptClick {
  return async ({ campaignId, query, ip, userAgent, requestId }) => {
    const target = await campaigns.resolve(campaignId);
    if (!target) throw new AppError(ErrorCodes.NOT_FOUND, `no campaign with id ${campaignId}`, { httpStatus: 404 });
    const subs: Subs = {};
    for (const key of SUB_KEYS) {
      const value = single(query[key]);
      if (value !== null) subs[key] = value;
    }
    const click: ClickJob = {
      clickid: newId(),
      ts: Date.now(),
      campaign_id: target.campaign.id,
      offer_id: target.offer.id,
      offer_source_id: target.offer.offer_source_id,
      traffic_channel_id: target.campaign.traffic_channel_id,
      // The ad platforms append their click id to the landing URL by themselves (auto-tagging): it is the click's
      // external id unless one is given.
      external_id: externalIdOf(query),
      subs,
      ip,
      user_agent: single(userAgent),
      ...costOf(target.campaign, query),
      requestId,
    };
    try {
      await enqueueClick(click.clickid, click);
    } catch (err) {
      throw queueUnavailable(err);
    }
    if (logger.isDebugEnabled()) logger.debug('click queued', { requestId, clickid: click.clickid, campaignId: click.campaign_id });
    return fillOfferUrl(target.offer.url, click);
  };
}
