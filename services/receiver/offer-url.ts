import { SUB_KEYS } from '../../shared/domain/entities.js';
import type { ClickJob } from '../../shared/queue/jobs.js';

/**
 * Fills the offer URL's macros with the click's values, URL-encoded:
 * `{clickid}`, `{external_id}`, `{campaign_id}`, `{offer_id}`, `{sub1}`..`{sub10}`.
 * Unknown macros (`{constructor}` too: only the map's own keys count) are left as
 * written; a macro without a value becomes empty.
 */
export function fillOfferUrl(template: string, click: ClickJob): string {
  const values: Record<string, string | null | undefined> = {
    clickid: click.clickid,
    external_id: click.external_id,
    campaign_id: click.campaign_id,
    offer_id: click.offer_id,
  };
  for (const key of SUB_KEYS) values[key] = click.subs[key];
  return template.replace(/\{([a-z0-9_]+)\}/g, (macro, name: string) =>
    Object.hasOwn(values, name) ? encodeURIComponent(values[name] ?? '') : macro,
  );
}
