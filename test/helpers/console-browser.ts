import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { startConsoleStack, type ConsoleStack } from './console-stack.js';
import { TEST_API_KEY } from './report-harness.js';

/** What a browser test of the console works with, filled in by the hooks `consoleInBrowser` registers. */
export interface ConsoleBrowser {
  stack: ConsoleStack;
  context: BrowserContext;
  page: Page;
  /** The API as a program calls it (Bearer key), to check what the pages did against what it holds. */
  api: (path: string, init?: { method?: string; body?: string }) => Promise<any>;
}

/**
 * Mocha hooks for a describe block: the whole stack and one Chromium page (clipboard
 * allowed, dialogs accepted) before its tests, closed after them, and no error thrown
 * in the page by any test.
 */
export function consoleInBrowser(): ConsoleBrowser {
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const state = {
    api: async (path: string, init: { method?: string; body?: string } = {}) => {
      const res = await fetch(`${state.stack.consoleUrl}/api${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      });
      return res.status === 204 ? null : res.json();
    },
  } as ConsoleBrowser;
  before(async function () {
    this.timeout(60_000);
    state.stack = await startConsoleStack();
    browser = await launchChromium();
    state.context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await state.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: state.stack.consoleUrl });
    state.page = await state.context.newPage();
    state.page.on('pageerror', (err) => pageErrors.push(err.message));
    state.page.on('dialog', (dialog) => void dialog.accept());
  });
  after(async () => {
    await browser?.close();
    await (state.stack as ConsoleStack | undefined)?.close();
  });
  afterEach(() => {
    expect(pageErrors, 'errors thrown in the page').to.deep.equal([]);
  });
  return state;
}
