import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { ConsoleStack } from '../helpers/console-stack.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { consoleInBrowser } from '../helpers/console-browser.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';

/** The console used with the keyboard alone, and a report too large to draw row by row. */
describe('console by keyboard alone, and a 10,000-row report', function () {
  this.timeout(60_000);
  const session = consoleInBrowser();
  let stack: ConsoleStack;
  let page: Page;
  const { api } = session;
  before(() => {
    ({ stack, page } = session);
  });

  /** Presses Tab until the focused element's text or label is `name`; fails after 80 presses. */
  const tabTo = async (name: string | RegExp) => {
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<string>(
        `(() => { const e = document.activeElement; if (!e) return ''; const l = e.labels && e.labels[0]; return (e.getAttribute('aria-label') || (l && l.textContent) || e.textContent || '').trim(); })()`,
      );
      if (typeof name === 'string' ? focused === name : name.test(focused)) return;
    }
    throw new Error(`Tab never reached ${String(name)}`);
  };

  it('when a person signs in, adds a conversion type with its mode, creates an offer source and copies its postback URL with the keyboard only, then the API holds what they entered', async () => {
    await page.goto(`${stack.consoleUrl}/`);
    await page.getByLabel('API key').waitFor();
    await page.keyboard.type(TEST_API_KEY); // the key field has the focus when the page opens
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();

    await tabTo('Conversion types');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Conversion types' }).waitFor();
    await tabTo('Event name');
    await page.keyboard.type('Deposit');
    await tabTo('Duplicate mode');
    await page.keyboard.press('ArrowDown'); // the first mode after "the offer source's mode": Create new
    await page.keyboard.press('ArrowDown'); // New or repeated
    await tabTo('Customer Journey');
    await page.keyboard.press('Space');
    await tabTo('Add conversion type');
    await page.keyboard.press('Enter');
    await page.getByText('Conversion type “Deposit” saved.').waitFor();
    const type = await api('/conversion-types/Deposit');
    expect(type).to.include({ name: 'Deposit', duplicate_mode: 'new_or_repeated', journey: true, send_to_channel: false });

    await tabTo('Offer sources');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Offer sources' }).waitFor();
    await tabTo('Name');
    await page.keyboard.type('Keyboard network');
    await tabTo('Create offer source');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Keyboard network' }).waitFor();
    await tabTo('Copy postback URL');
    await page.keyboard.press('Enter');
    await page.getByText('Copied').waitFor();
    const source = (await api('/offer-sources')).items.find((s: any) => s.name === 'Keyboard network');
    expect(source).to.include({ default_status: 'approved' });
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).to.include(source.postback_url);
  });

  it('when a report has 10,000 rows, then the page shows them 100 at a time with paging, sorting and totals over all of them', async () => {
    const seeded = await seedCampaign(stack.store);
    const ts = Date.now() - 60_000;
    const clicks = Array.from({ length: 10_000 }, (_, i) =>
      clickFor(seeded, { ts, subs: { sub1: `creative-${String(i).padStart(5, '0')}` } }),
    );
    await stack.store.insertClicks(clicks);
    await page.goto(`${stack.consoleUrl}/#/reports?group_by=sub1`);
    const pager = page.getByRole('navigation', { name: 'Report pages' });
    await pager.getByText('Rows 1–100 of 10000').waitFor({ timeout: 30_000 });
    const table = page.getByRole('table', { name: /Report by Sub 1/ });
    expect(await table.locator('tbody tr').count()).to.equal(100);
    expect(await table.locator('tfoot').innerText()).to.match(/Total\s+10,000/);
    await table.getByRole('button', { name: 'Sub 1' }).click();
    await table.getByRole('row').filter({ hasText: 'creative-00000' }).waitFor();
    await pager.getByRole('button', { name: 'Next page' }).click();
    await pager.getByText('Rows 101–200 of 10000').waitFor();
    await page
      .getByRole('table', { name: /Report by Sub 1/ })
      .getByRole('row')
      .filter({ hasText: 'creative-00100' })
      .waitFor();
    await table.getByRole('button', { name: 'Sub 1' }).click(); // again: descending
    await page
      .getByRole('table', { name: /Report by Sub 1/ })
      .getByRole('row')
      .filter({ hasText: 'creative-09999' })
      .waitFor();
  });
});
