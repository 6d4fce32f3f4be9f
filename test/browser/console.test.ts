import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshotDir, seriousViolations } from '../helpers/browser.js';
import type { ConsoleStack } from '../helpers/console-stack.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { consoleInBrowser } from '../helpers/console-browser.js';
import { waitFor } from '../helpers/wait.js';

/** Where the test leaves screenshots of the main pages: `npm run screenshots` points it at docs/console, the docs' copies. */
const SHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/console';

/**
 * The console in Debian's Chromium, against the real receiver, workers and report
 * service on SQLite and Redis: a media buyer's first session, from sign-in to a
 * reversed conversion and a replayed postback, checked against what the API holds.
 */
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('console in a real browser: the setup, postbacks, reports and logs of a first session', function () {
  this.timeout(60_000);
  const session = consoleInBrowser();
  const ids: { source?: string; campaign?: string; postbackUrl?: string; clicks: string[] } = { clicks: [] };
  let stack: ConsoleStack;
  let context: BrowserContext;
  let page: Page;
  const { api } = session;
  before(() => {
    ({ stack, context, page } = session);
  });

  /** Opens a page of the console afresh: going to the address already shown changes only the hash, so that is a reload. */
  const open = async (hash: string, heading: string) => {
    const url = `${stack.consoleUrl}/#/${hash}`;
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };
  const shot = (name: string) => page.screenshot({ path: `${screenshotDir(SHOTS)}/${name}.png`, fullPage: true });
  /** A postback as a network sends it: the copied URL with its macros filled (empty where the network has no value). */
  const postback = async (params: Record<string, string>) => {
    expect(ids.postbackUrl, 'the copied postback URL').to.be.a('string');
    const filled = (ids.postbackUrl ?? '').replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
    const res = await fetch(filled);
    expect(res.status).to.equal(200);
  };

  it('when nobody is signed in, then the console asks for the API key, refuses a wrong one, and no page shows data', async () => {
    await page.goto(`${stack.consoleUrl}/#/conversions`);
    await page.getByRole('heading', { name: 'Sign in to convtrack' }).waitFor();
    expect(await page.getByRole('navigation').count()).to.equal(0);
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the API key' }).waitFor();
    await shot('sign-in');
  });

  it('when a person signs in with the key by keyboard alone, then the page they asked for opens, and the key is kept nowhere in the browser', async () => {
    await page.getByLabel('API key').fill('');
    await page.getByLabel('API key').focus();
    await page.keyboard.type(TEST_API_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Conversions' }).waitFor();
    // Read in the page (the test's TypeScript has no DOM types): all the storage a script can reach.
    const stored = await page.evaluate<string>(
      'JSON.stringify(Object.entries(localStorage)) + JSON.stringify(Object.entries(sessionStorage)) + document.cookie',
    );
    expect(stored).not.to.include(TEST_API_KEY);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'convtrack_session');
    expect(session).to.include({ httpOnly: true, sameSite: 'Strict' });
    expect(session?.value).not.to.include(TEST_API_KEY);
  });

  it('when conversion types are added with their duplicate modes, then the API holds them exactly, a look-alike name is warned about, and the journey limit is explained', async () => {
    await open('conversion-types', 'Conversion types');
    const add = async (name: string, mode: string, journey = false) => {
      await page.getByLabel('Event name').fill(name);
      await page.getByLabel('Duplicate mode', { exact: true }).selectOption({ label: mode });
      if (journey) await page.getByLabel('Customer Journey', { exact: true }).check();
      await page.getByRole('button', { name: 'Add conversion type' }).click();
      await page.getByText(`Conversion type “${name}” saved.`).waitFor();
    };
    await add('Purchase', 'Ignore duplicates', true);
    await add('Upsell', 'Create new', true);
    await page.getByLabel('Event name').fill('purchase ');
    await page.getByText('Looks like “Purchase”').waitFor();
    await page.getByText('starts or ends with a space').waitFor();
    await page.getByLabel('Event name').fill('');
    await add('Lead', 'New or repeated');
    // A third journey type is over JOURNEY_TYPE_LIMIT (2 here): refused, explained, the box unticked again.
    const leadJourney = page.getByRole('checkbox', { name: 'Customer Journey for Lead' });
    // click, not check(): check() fails when the box is put back before it looks, which is what must happen here.
    await leadJourney.click();
    await page.getByRole('alert').filter({ hasText: 'JOURNEY_TYPE_LIMIT' }).waitFor();
    expect(await leadJourney.isChecked()).to.equal(false);
    await page.getByRole('combobox', { name: 'Duplicate mode of Lead' }).selectOption('edit');
    await page.getByText('“Lead” saved.', { exact: true }).waitFor();
    // An upsell is not a second customer: out of Conversions (CR, CPA), its payout still in Revenue.
    await page.getByRole('checkbox', { name: 'Upsell counts in Conversions' }).uncheck();
    await page.getByText('“Upsell” saved.', { exact: true }).waitFor();

    const { items } = await api('/conversion-types');
    const byName = Object.fromEntries(items.map((t: any) => [t.name, t]));
    expect(Object.keys(byName).sort()).to.deep.equal(['Lead', 'Purchase', 'Upsell']);
    expect(byName.Purchase).to.include({ duplicate_mode: 'ignore', journey: true });
    expect(byName.Upsell).to.include({
      duplicate_mode: 'create_new',
      journey: true,
      counts_in_conversions: false,
      counts_in_revenue: true,
    });
    expect(byName.Purchase).to.include({ counts_in_conversions: true, counts_in_revenue: true });
    expect(byName.Lead).to.include({ duplicate_mode: 'edit', journey: false });
    await shot('conversion-types');
  });

  it('when an offer source is created, then approved is its preselected default status and its postback URL can be copied', async () => {
    await open('offer-sources', 'Offer sources');
    expect(await page.getByLabel('Default status').inputValue()).to.equal('approved');
    await page.getByLabel('Name').fill('Network A');
    await page.getByRole('button', { name: 'Create offer source' }).click();
    await page.getByRole('heading', { level: 1, name: 'Network A' }).waitFor();
    const source = (await api('/offer-sources')).items.find((s: any) => s.name === 'Network A');
    ids.source = source.id;
    expect(source).to.include({ default_status: 'approved', duplicate_mode: 'create_new' });
    await page.getByRole('button', { name: 'Copy postback URL' }).click();
    await page.getByText('Copied').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).to.equal(`${source.postback_url}&status={status}&type={type}`);
    expect(copied.startsWith(`${stack.receiverUrl}/postback?clickid={clickid}&sum={sum}`)).to.equal(true);
    ids.postbackUrl = copied;
    await shot('offer-source');
  });

  it('when an offer, a traffic channel and a campaign are set up in their pages, then the campaign’s click URL is shown and clicks on it redirect', async () => {
    await open('offers', 'Offers');
    await page.getByLabel('Name').fill('Summer offer');
    await page.getByLabel('Offer URL').fill('https://offer.example/lp?cid={clickid}');
    await page.getByLabel('Offer source').selectOption({ label: 'Network A' });
    await page.getByLabel('Payout').fill('7.5');
    await page.getByRole('button', { name: 'Create offer' }).click();
    await page.getByText('“Summer offer” saved.').waitFor();

    await open('traffic-channels', 'Traffic channels');
    await page.getByLabel('Name').fill('Push ads');
    await page.getByLabel('Outbound postback URL').fill('https://push.example/conv?cid={external_id}&sum={payout}');
    await page.getByRole('button', { name: 'Create traffic channel' }).click();
    await page.getByText('“Push ads” saved.').waitFor();

    await open('campaigns', 'Campaigns');
    await page.getByLabel('Name').fill('Summer push');
    await page.getByLabel('Traffic channel').selectOption({ label: 'Push ads' });
    await page.getByLabel('Offer').selectOption({ label: 'Summer offer' });
    await page.getByLabel('Cost parameter').fill('cost');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByText('“Summer push” saved.').waitFor();
    const campaign = (await api('/campaigns')).items.find((c: any) => c.name === 'Summer push');
    ids.campaign = campaign.id;
    expect(campaign).to.include({ cost_param: 'cost', cost_currency: null });
    await page.getByText(campaign.click_url).waitFor();
    await shot('campaigns');

    for (let i = 0; i < 3; i++) {
      // The channel fills its cost macro: 0.02 a click, in the account currency. Visitors from the US (two) and the UK.
      const res = await fetch(`${campaign.click_url}?sub1=banner${i}&cost=0.02`, {
        redirect: 'manual',
        headers: { 'X-Forwarded-For': ['8.8.8.8', '81.2.69.142', '8.8.4.4'][i] as string, 'User-Agent': WINDOWS_CHROME },
      });
      expect(res.status).to.equal(302);
      const clickid = new URL(res.headers.get('location') ?? '').searchParams.get('cid');
      ids.clicks.push(clickid ?? '');
    }
    await waitFor('the clicks to be stored', async () =>
      (await Promise.all(ids.clicks.map((c) => stack.store.getClick(c)))).every(Boolean),
    );
  });

  it('when postbacks arrive at the copied URL, then the report shows them in its per-type columns with totals, as the API reports them', async () => {
    const [a, b] = ids.clicks as [string, string];
    await postback({ clickid: a, sum: '10' });
    await postback({ clickid: a, sum: '25.5', type: 'Purchase' });
    await postback({ clickid: a, sum: '25.5', type: 'Purchase' }); // ignored: Purchase ignores duplicates
    await postback({ clickid: a, sum: '4.25', type: 'Upsell' });
    await postback({ clickid: b, sum: '25.5', type: 'Purchase', status: 'pending' });
    await postback({ clickid: b, sum: '1', type: 'Signup' }); // no such type yet: rejected, replayed later
    await waitFor('the six postbacks to be logged', async () => (await api('/postbacks?limit=100')).items.length === 6);

    await open('reports', 'Reports');
    const table = page.getByRole('table', { name: /Report by Campaign/ });
    const row = table.getByRole('row').filter({ hasText: 'Summer push' });
    await row.waitFor();
    const headers = await table.locator('thead th').allInnerTexts();
    const cells = await row.locator('td').allInnerTexts();
    const at = (name: string) => cells[headers.findIndex((h) => h.replace(/[▲▼]/g, '').trim() === name)];
    expect(at('Clicks')).to.equal('3');
    // The main conversion and two Purchases; the Upsell counts in its own column and in Revenue only.
    expect(at('Conversions')).to.equal('3');
    expect(at('Revenue')).to.equal('65.25');
    expect(at('Cost')).to.equal('0.06');
    expect(at('Purchase conversions')).to.equal('2');
    expect(at('Upsell conversions')).to.equal('1');
    const report = await api(`/reports?group_by=campaign&from=2000-01-01&to=2100-01-01`);
    expect(report.rows[0]).to.include({ clicks: 3, conversions: 3, revenue: 65.25, cost: 0.06 });
    expect(report.rows[0].types.Purchase.conversions).to.equal(2);
    const totals = await table.locator('tfoot').innerText();
    expect(totals).to.include('Total').and.include('65.25');
    await page
      .getByRole('img', { name: /Chart by/ })
      .locator('canvas')
      .waitFor();
    await shot('reports');

    // The range presets: all time agrees with the API's default (no bounds); yesterday has none of today's traffic.
    const range = async (label: string) => {
      await page.getByLabel('Range').selectOption({ label });
      await page.getByRole('button', { name: 'Show report' }).click();
    };
    await range('All time');
    await page
      .getByRole('table', { name: /Report by Campaign, all time/ })
      .getByRole('row')
      .filter({ hasText: 'Summer push' })
      .waitFor();
    expect(
      await page
        .getByRole('table', { name: /all time/ })
        .locator('tfoot')
        .innerText(),
    ).to.include('65.25');
    await range('Yesterday');
    await page.getByText('No traffic in this range.').first().waitFor();
    await range('Last 7 days');
    await page
      .getByRole('table', { name: /Report by Campaign, \d{4}/ })
      .getByRole('row')
      .filter({ hasText: 'Summer push' })
      .waitFor();
  });

  it('when the columns are changed, a row is drilled into and the view exported, then the CSV holds exactly the rows and columns shown', async () => {
    await page.getByText('Columns', { exact: true }).click();
    await page.getByRole('checkbox', { name: 'Upsell revenue' }).check();
    await page.getByRole('checkbox', { name: 'EPC' }).uncheck();
    const table = page.getByRole('table', { name: /Report by Campaign/ });
    await table.getByRole('columnheader', { name: 'Upsell revenue' }).waitFor();
    expect(await table.getByRole('columnheader', { name: 'EPC' }).count()).to.equal(0);

    await page.getByLabel('Open a row by').selectOption('sub1');
    await table.getByRole('button', { name: 'Summer push' }).click();
    await page.getByRole('button', { name: 'Remove filter Campaign = Summer push' }).waitFor();
    const drilled = page.getByRole('table', { name: /Report by Sub 1/ });
    await drilled.getByRole('row').filter({ hasText: 'banner0' }).waitFor();
    expect(await drilled.locator('tbody tr').count()).to.equal(3);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const csv = (await import('node:fs')).readFileSync(file, 'utf8').trim().split('\r\n');
    const shownHeaders = (await drilled.locator('thead th').allInnerTexts()).map((h) => h.replace(/[▲▼]/g, '').trim());
    expect(csv[0]).to.equal(shownHeaders.join(','));
    expect(csv).to.have.length(1 + 3 + 1);
    expect(csv.at(-1)?.startsWith('Total,3,3,65.25')).to.equal(true);
    const shownRows = await drilled.locator('tbody tr').allInnerTexts();
    expect(csv.slice(1, 4).map((l) => l.split(',')[0])).to.deep.equal(shownRows.map((r) => r.split('\t')[0]));
  });

  it('when the report is grouped by country, then each row is a country the bundled IP database gives the clicks, and the data’s source is credited', async () => {
    await page.getByRole('button', { name: /Remove filter/ }).click();
    await page.getByLabel('Group by').selectOption({ label: 'Country' });
    await page.getByRole('button', { name: 'Show report' }).click();
    const table = page.getByRole('table', { name: /Report by Country/ });
    await table.getByRole('row').filter({ hasText: 'US' }).waitFor();
    const rows = (await table.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(0, 2));
    expect(rows).to.have.deep.members([
      ['GB', '1'],
      ['US', '2'],
    ]);
    await page.getByText('DB-IP').first().waitFor();
    await shot('reports-country');
  });

  it('when the conversion log is read, then it shows each conversion’s duplicate status and why it is what it is, and a reversal from it reaches the API', async () => {
    await open(`conversions?clickid=${ids.clicks[0]}`, 'Conversions');
    await page.getByLabel('Type').selectOption({ label: 'main conversion' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('1 shown, the newest first.').waitFor();
    expect(await page.getByRole('table', { name: 'Conversion log' }).locator('tbody tr').innerText()).to.include('10 USD');
    await open(`conversions?clickid=${ids.clicks[0]}`, 'Conversions');
    const log = page.getByRole('table', { name: 'Conversion log' });
    await log.getByRole('row').filter({ hasText: 'Purchase' }).waitFor();
    expect(await log.locator('tbody tr').count()).to.equal(3);
    const purchase = log.getByRole('row').filter({ hasText: 'Purchase' });
    expect(await purchase.innerText()).to.include('unknown');
    await purchase.getByRole('button', { name: 'Why this?' }).click();
    const why = log.locator('tr.detail');
    await why.getByText('Ignore duplicates, from conversion type “Purchase”').waitFor();
    await why.getByText('the offer source’s default (approved) applied').waitFor();
    await shot('conversions');

    const upsell = log.getByRole('row').filter({ hasText: 'Upsell' });
    await upsell.getByRole('button', { name: 'Reverse…' }).click();
    const reverse = log.locator('tr.detail');
    await reverse.getByLabel('Reason').selectOption('refund');
    await reverse.getByLabel('Note').fill('customer asked');
    await reverse.getByRole('button', { name: 'Reverse conversion' }).click();
    await page.getByRole('status').filter({ hasText: 'reversed (refund)' }).waitFor();
    await log.getByRole('row').filter({ hasText: 'declined (reversed: refund)' }).waitFor();
    const { items } = await api(`/conversions?clickid=${ids.clicks[0]}&type=Upsell`);
    expect(items[0].reversal).to.include({ reason: 'refund', note: 'customer asked' });
    expect(items[0].status).to.equal('declined');
  });

  it('when a postback was rejected for a type not yet added, then after adding it the postback is replayed from the log and recorded', async () => {
    await open('postbacks?outcome=rejected', 'Postbacks');
    const rejected = page.getByRole('table', { name: 'Postback log' }).getByRole('row').filter({ hasText: 'unknown_type' });
    await rejected.waitFor();
    await shot('postbacks');
    await api(`/conversion-types/Signup`, { method: 'PUT', body: JSON.stringify({ duplicate_mode: 'create_new' }) });
    await rejected.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/queued again/).waitFor();
    await waitFor('the replayed postback to be recorded', async () => {
      const { items } = await api(`/conversions?clickid=${ids.clicks[1]}&type=Signup`);
      return items.length === 1;
    });
    await open(`conversions?clickid=${ids.clicks[1]}`, 'Conversions');
    await page.getByRole('table', { name: 'Conversion log' }).getByRole('row').filter({ hasText: 'Signup' }).waitFor();
  });

  it('when the postback tester sends a test postback, then it shows the outcome, status, type, duplicate status and which mode applied from where, and the report is unchanged', async () => {
    const before = await api(`/reports?from=2000-01-01&to=2100-01-01`);
    await open(`offer-sources/${ids.source}`, 'Network A');
    await page.getByLabel('Click ID').fill(ids.clicks[2] ?? '');
    await page.getByLabel('Type', { exact: true }).selectOption('Purchase');
    await page.getByLabel('Sum').fill('3.5');
    await page.getByRole('button', { name: 'Send test postback' }).click();
    const result = page.locator('.tester-result');
    await result.getByText('What happened').waitFor({ timeout: 25_000 });
    const text = await result.innerText();
    expect(text).to.include('recorded').and.include('approved').and.include('Purchase');
    expect(text).to.match(/Duplicate status\s+unknown/);
    expect(text).to.include('Ignore duplicates (ignore), from conversion type “Purchase”');
    await shot('postback-tester');
    const { items } = await api(`/conversions?clickid=${ids.clicks[2]}&test=true`);
    expect(items).to.have.length(1);
    expect(items[0]).to.include({ test: true, type: 'Purchase', payout: 3.5 });
    const after = await api(`/reports?from=2000-01-01&to=2100-01-01`);
    expect(after.totals).to.deep.equal(before.totals);
  });

  it('when costs, deliveries and journeys are opened, then each shows what the API holds', async () => {
    await open('costs', 'Costs');
    await page.getByLabel('Campaign', { exact: true }).first().selectOption({ label: 'Summer push' });
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('From').fill(today);
    await page.getByLabel('To').fill(today);
    await page.getByLabel('Cost', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Enter cost' }).click();
    await page.getByText(/Cost update .* queued/).waitFor();
    await waitFor('the cost to be applied', async () => (await api('/costs')).items[0]?.state === 'applied');
    await open('costs', 'Costs');
    await page
      .getByRole('table', { name: /Cost updates/ })
      .getByText('applied')
      .waitFor();
    await shot('costs');

    await open('deliveries', 'Outbound deliveries');
    await page.getByRole('table', { name: 'Delivery log' }).waitFor();
    await open(`journeys?clickid=${ids.clicks[0]}`, 'Journeys and funnel');
    const journey = page.getByRole('table', { name: `Journey of click ${ids.clicks[0]}` });
    await journey.getByRole('row').filter({ hasText: 'Purchase' }).waitFor();
    expect(await journey.locator('tbody tr').count()).to.equal(2);
  });

  it('when every page is checked by axe-core, then none has a serious or critical accessibility violation', async function () {
    // Twelve pages, each analysed in full: about 20 s alone, more on a busy machine.
    this.timeout(180_000);
    const failures: string[] = [];
    const pages: Array<[string, string]> = [
      ['reports', 'Reports'],
      ['conversions', 'Conversions'],
      ['postbacks', 'Postbacks'],
      ['deliveries', 'Outbound deliveries'],
      [`journeys?clickid=${ids.clicks[0]}`, 'Journeys and funnel'],
      ['conversion-types', 'Conversion types'],
      ['offer-sources', 'Offer sources'],
      [`offer-sources/${ids.source}`, 'Network A'],
      ['offers', 'Offers'],
      ['traffic-channels', 'Traffic channels'],
      ['campaigns', 'Campaigns'],
      ['costs', 'Costs'],
    ];
    for (const [hash, heading] of pages) {
      await open(hash, heading);
      for (const v of await seriousViolations(page))
        failures.push(`${hash}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.slice(0, 3).join(' ')}`);
    }
    expect(failures).to.deep.equal([]);
  });

  it('when a person signs out, then the sign-in page returns and the old cookie opens nothing', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'convtrack_session')?.value ?? '';
    await open('reports', 'Reports');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to convtrack' }).waitFor();
    const res = await fetch(`${stack.consoleUrl}/api/conversions`, { headers: { cookie: `convtrack_session=${cookie}` } });
    expect(res.status).to.equal(401);
  });
});
