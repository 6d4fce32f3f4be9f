import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { cityRecord, writeMmdb } from '../helpers/mmdb-writer.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const ANDROID_TABLET = 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/**
 * Clicks over HTTP from addresses and browsers a test IP database and real user agents
 * describe: reports group and filter them by country, region, city, device, OS, browser
 * and bot, and their conversions carry the same.
 */
describe('click dimensions: country, device, OS, browser and bots from the click', () => {
  let dir: ReturnType<typeof tempDir>;
  let pipeline: Pipeline;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const api = (path: string) => request(pipeline.report.app).get(`/api${path}`).set(auth);
  /** Today and tomorrow (UTC), read when a test runs. */
  const range = () => {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    return `from=${new Date(today).toISOString().slice(0, 10)}&to=${new Date(today + DAY_MS).toISOString().slice(0, 10)}`;
  };
  const report = async (query: string) => (await api(`/reports?${range()}&${query}`).expect(200)).body as ReportBody;
  interface ReportBody {
    rows: Array<Record<string, unknown>>;
    totals: Record<string, unknown>;
  }
  const clickids: string[] = [];

  before(async () => {
    dir = tempDir();
    const geoipDb = join(dir.path, 'test-city.mmdb');
    writeMmdb(geoipDb, [
      { cidr: '192.0.2.0/24', record: cityRecord('FR', 'Île-de-France', 'Paris') },
      { cidr: '198.51.100.0/24', record: cityRecord('US', 'California', 'Los Angeles') },
      // ip-location-db's flat layout, as the bundled database has it: a country, nothing finer.
      { cidr: '203.0.113.0/24', record: { country_code: 'JP' } },
    ]);
    pipeline = await startPipeline({}, { worker: { geoipDb } });
    seeded = await seedCampaign(pipeline.store);
    const visits: Array<[string, string | null]> = [
      ['192.0.2.10', IPHONE],
      ['192.0.2.11', IPHONE],
      ['198.51.100.5', WINDOWS_CHROME],
      ['198.51.100.6', WINDOWS_CHROME],
      ['198.51.100.7', WINDOWS_CHROME],
      ['198.51.100.8', GOOGLEBOT],
      ['203.0.113.9', ANDROID_TABLET],
      // Not in the database, and no user agent at all.
      ['100.64.0.1', null],
    ];
    for (const [ip, agent] of visits) {
      let visit = request(pipeline.receiver.app).get(`/click/${seeded.campaign.id}?sub1=z`).set('X-Forwarded-For', ip);
      if (agent) visit = visit.set('User-Agent', agent);
      const res = await visit.expect(302);
      clickids.push(new URL(res.headers.location as string).searchParams.get('cid') as string);
    }
    await waitFor('every click to be stored', async () => (await pipeline.store.getClicks(clickids)).size === clickids.length);
    // One conversion from Paris, one from a Windows desktop in Los Angeles.
    for (const clickid of [clickids[0], clickids[2]]) {
      const res = await request(pipeline.receiver.app)
        .get(`/postback?clickid=${String(clickid)}&sum=4.5`)
        .expect(200);
      await pipeline.workers.completed(res.body.id as string);
    }
  });
  after(async () => {
    await pipeline.close();
    dir.remove();
  });

  it('when clicks come from known addresses, then reports group them by country, region and city, unknown ones under null', async () => {
    const byCountry = await report('group_by=country');
    expect(byCountry.rows.map((r) => [r.country, r.clicks, r.conversions, r.revenue])).to.have.deep.members([
      ['FR', 2, 1, 4.5],
      ['US', 4, 1, 4.5],
      ['JP', 1, 0, 0],
      [null, 1, 0, 0],
    ]);
    const byCity = await report('group_by=country,region,city&country=US');
    expect(byCity.rows.map((r) => [r.country, r.region, r.city, r.clicks])).to.deep.equal([['US', 'California', 'Los Angeles', 4]]);
    const japan = await report('group_by=region,city&country=JP');
    expect(japan.rows.map((r) => [r.region, r.city, r.clicks])).to.deep.equal([[null, null, 1]]);
  });

  it('when clicks come from phones, tablets, desktops and crawlers, then device, OS and browser group them and bots are flagged', async () => {
    const devices = await report('group_by=device_type,os,os_version');
    expect(devices.rows.map((r) => [r.device_type, r.os, r.os_version, r.clicks])).to.have.deep.members([
      ['mobile', 'iOS', '17', 2],
      ['desktop', 'Windows', '10', 3],
      ['tablet', 'Android', '14', 1],
      [null, null, null, 2],
    ]);
    const browsers = await report('group_by=browser,browser_version');
    expect(browsers.rows.map((r) => [r.browser, r.browser_version, r.clicks])).to.have.deep.members([
      ['Mobile Safari', '17', 2],
      ['Chrome', '120', 3],
      ['Chrome', '119', 1],
      [null, null, 2],
    ]);
    const bots = await report('group_by=bot');
    expect(bots.rows.map((r) => [r.bot, r.clicks])).to.have.deep.members([
      ['true', 2],
      ['false', 6],
    ]);
    const humans = await report('bot=false');
    expect(humans.totals).to.deep.include({ clicks: 6, conversions: 2, revenue: 9 });
  });

  it('when a conversion is listed or a report is read as CSV, then the click’s traits are there', async () => {
    const { body } = await api(`/conversions?clickid=${String(clickids[0])}`).expect(200);
    expect(body.items[0].click_traits).to.deep.equal({
      country: 'FR',
      region: 'Île-de-France',
      city: 'Paris',
      device_type: 'mobile',
      os: 'iOS',
      os_version: '17',
      browser: 'Mobile Safari',
      browser_version: '17',
      bot: 'false',
    });
    const log = (await api(`/conversions?format=csv`).expect(200)).text.trim().split(/\r?\n/);
    const header = (log[0] ?? '').split(',');
    expect(header).to.include.members(['country', 'region', 'city', 'device_type', 'os', 'browser', 'bot']);
    const cells = log.slice(1).map((line) => line.split(','));
    expect(
      cells.map((c) => [c[header.indexOf('country')], c[header.indexOf('city')], c[header.indexOf('device_type')]]),
    ).to.have.deep.members([
      ['FR', 'Paris', 'mobile'],
      ['US', 'Los Angeles', 'desktop'],
    ]);
    const csv = await api(`/reports?${range()}&group_by=country&format=csv&sort=country`).expect(200);
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]?.split(',')[0]).to.equal('country');
    expect(lines.slice(1).map((line) => line.split(',')[0])).to.include.members(['FR', 'US', 'JP']);
  });

  it('when a report groups by a dimension that does not exist, then the 400 lists the click dimensions among those allowed', async () => {
    const res = await api(`/reports?${range()}&group_by=continent`).expect(400);
    expect(JSON.stringify(res.body)).to.contain('country').and.contain('device_type').and.contain('bot');
  });
});
