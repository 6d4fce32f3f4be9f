import { Router } from 'express';
import type { AcceptClick } from './accept-click.js';
import type { CampaignDirectory } from './campaign-directory.js';

export interface ClickRouteDeps {
  campaigns: CampaignDirectory;
  acceptClick: AcceptClick;
}

/**
 * `HEAD|GET /click/:campaignId` in Express. The lean path (fast-click.ts) takes a
 * plain `GET /click/<id>`; other spellings Express routes alike (`/click/<id>/`,
 * `/CLICK/<id>`) come here and get the same answer through the same acceptor.
 */
export function clickRoute({ campaigns, acceptClick }: ClickRouteDeps): Router {
  const router = Router();
  // A link checker's HEAD learns whether the campaign exists; no click is made.
  router.head('/click/:campaignId', async (req, res) => {
    res.status((await campaigns.resolve(req.params.campaignId)) ? 200 : 404).end();
  });
  router.get('/click/:campaignId', async (req, res) => {
    const location = await acceptClick({
      campaignId: req.params.campaignId,
      query: req.query as Record<string, string | string[] | undefined>,
      ip: req.ip ?? null,
      userAgent: req.headers['user-agent'],
      requestId: req.id,
    });
    res.redirect(302, location);
  });
  return router;
}
