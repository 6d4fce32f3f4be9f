import { Router } from 'express';
import { SUB_KEYS, type Subs } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { ClickJob } from '../../shared/queue/jobs.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { CampaignDirectory } from './campaign-directory.js';
import { fillOfferUrl } from './offer-url.js';
import { queueUnavailable, type Enqueue } from './enqueue.js';

export interface ClickRouteDeps {
  campaigns: CampaignDirectory;
  enqueueClick: Enqueue<ClickJob>;
  logger: Logger;
}

const MAX_VALUE = 500;

/** A visitor's value: the first if repeated, cut to a sane length. Clicks are never refused for their subs. */
function single(value: unknown): string | null {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first.slice(0, MAX_VALUE) : null;
}

/** `GET /click/:campaignId`: queue the click durably, then 302 to the offer. */
export function clickRoute({ campaigns, enqueueClick, logger }: ClickRouteDeps): Router {
  const router = Router();
  // A link checker's HEAD learns whether the campaign exists; no click is made.
  router.head('/click/:campaignId', async (req, res) => {
    res.status((await campaigns.resolve(req.params.campaignId)) ? 200 : 404).end();
  });
  router.get('/click/:campaignId', async (req, res) => {
    const target = await campaigns.resolve(req.params.campaignId);
    if (!target) throw new AppError(ErrorCodes.NOT_FOUND, `no campaign with id ${req.params.campaignId}`, { httpStatus: 404 });
    const subs: Subs = {};
    for (const key of SUB_KEYS) {
      const value = single(req.query[key]);
      if (value !== null) subs[key] = value;
    }
    const click: ClickJob = {
      clickid: newId(),
      ts: Date.now(),
      campaign_id: target.campaign.id,
      offer_id: target.offer.id,
      offer_source_id: target.offer.offer_source_id,
      traffic_channel_id: target.campaign.traffic_channel_id,
      // Facebook appends fbclid to the landing URL by itself: it is the click's external id unless one is given.
      external_id: single(req.query.external_id) ?? single(req.query.fbclid),
      subs,
      ip: req.ip ?? null,
      user_agent: single(req.headers['user-agent']),
      requestId: req.id,
    };
    try {
      await enqueueClick(click.clickid, click);
    } catch (err) {
      throw queueUnavailable(err);
    }
    logger.debug('click queued', { requestId: req.id, clickid: click.clickid, campaignId: click.campaign_id });
    res.redirect(302, fillOfferUrl(target.offer.url, click));
  });
  return router;
}
