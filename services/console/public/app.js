// The console's shell: sign-in, the navigation, and a page per `#/path`.
import { api, setSession, whenSignedOut } from './api.js';
import { field, h, messageArea, replace, takeFlash } from './ui.js';
import { conversionTypesPage } from './pages/conversion-types.js';
import { offerSourcesPage, offerSourcePage } from './pages/offer-sources.js';
import { offersPage, channelsPage, campaignsPage } from './pages/entities.js';
import { reportsPage } from './pages/reports.js';
import { conversionsPage, postbacksPage, deliveriesPage } from './pages/logs.js';
import { journeysPage } from './pages/journeys.js';
import { costsPage } from './pages/costs.js';

const root = document.getElementById('app');

const NAV = [
  ['Reports', [['#/reports', 'Reports']]],
  [
    'Logs',
    [
      ['#/conversions', 'Conversions'],
      ['#/postbacks', 'Postbacks'],
      ['#/deliveries', 'Outbound deliveries'],
      ['#/journeys', 'Journeys and funnel'],
    ],
  ],
  [
    'Setup',
    [
      ['#/conversion-types', 'Conversion types'],
      ['#/offer-sources', 'Offer sources'],
      ['#/offers', 'Offers'],
      ['#/traffic-channels', 'Traffic channels'],
      ['#/campaigns', 'Campaigns'],
      ['#/costs', 'Costs'],
    ],
  ],
];

const ROUTES = [
  [/^\/reports$/, reportsPage],
  [/^\/conversions$/, conversionsPage],
  [/^\/postbacks$/, postbacksPage],
  [/^\/deliveries$/, deliveriesPage],
  [/^\/journeys$/, journeysPage],
  [/^\/conversion-types$/, conversionTypesPage],
  [/^\/offer-sources$/, offerSourcesPage],
  [/^\/offer-sources\/([^/]+)$/, offerSourcePage],
  [/^\/offers$/, offersPage],
  [/^\/traffic-channels$/, channelsPage],
  [/^\/campaigns$/, campaignsPage],
  [/^\/costs$/, costsPage],
];

let session = null;

function signInPage(reason) {
  document.title = 'Sign in · convtrack';
  const key = h('input', { type: 'password', name: 'api_key', autocomplete: 'current-password', required: true });
  const message = messageArea();
  if (reason) message.error(reason);
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: async (event) => {
        event.preventDefault();
        message.clear();
        try {
          session = await api('POST', '/session', { api_key: key.value });
          setSession(session);
          key.value = '';
          if (!location.hash || location.hash === '#/') location.hash = '#/reports';
          route();
        } catch (err) {
          message.error(err);
          key.focus();
        }
      },
    },
    h('h1', {}, 'Sign in to convtrack'),
    field(
      'API key',
      key,
      'The key the report service printed at start (or API_KEY). It is sent once; the browser keeps only a session cookie.',
    ),
    h('button', { type: 'submit' }, 'Sign in'),
    message.el,
  );
  replace(root, h('main', { id: 'main' }, form));
  key.focus();
}

function shell() {
  const current = location.hash.split('?')[0];
  const nav = h(
    'nav',
    { 'aria-label': 'Console' },
    h('a', { class: 'brand', href: '#/reports' }, 'convtrack'),
    NAV.map(([group, links]) =>
      h(
        'div',
        { class: 'nav-group' },
        h('p', { class: 'nav-title' }, group),
        h(
          'ul',
          {},
          links.map(([href, text]) =>
            h('li', {}, h('a', { href, 'aria-current': current === href || current.startsWith(`${href}/`) ? 'page' : null }, text)),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'nav-group' },
      h('p', { class: 'nav-title' }, 'Tools'),
      h(
        'ul',
        {},
        h('li', {}, h('a', { href: '/api/docs', target: '_blank', rel: 'noopener' }, 'API docs')),
        h('li', {}, h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener' }, 'Queue dashboard')),
      ),
    ),
    h('button', { type: 'button', class: 'secondary signout', onclick: signOut }, 'Sign out'),
  );
  const main = h('main', { id: 'main' });
  replace(root, h('div', { class: 'layout' }, h('header', {}, nav), main));
  return main;
}

async function signOut() {
  try {
    await api('DELETE', '/session');
  } finally {
    session = null;
    setSession(null);
    location.hash = '#/';
    signInPage();
  }
}

async function route() {
  if (!session) {
    try {
      session = await api('GET', '/session');
      setSession(session);
    } catch (err) {
      // 401: not signed in. Anything else (Redis restarting: 503) is said, with the form to try again.
      signInPage(err.status === 401 ? undefined : err.message);
      return;
    }
  }
  const [path, search] = (location.hash.slice(1) || '/reports').split('?');
  const found = ROUTES.map(([pattern, page]) => [pattern.exec(path), page]).find(([match]) => match);
  if (!found) {
    location.hash = '#/reports';
    return;
  }
  const [match, page] = found;
  const main = shell();
  const params = new URLSearchParams(search || '');
  try {
    await page(main, { match, params, account: session.account });
  } catch (err) {
    if (err && err.status === 401) return;
    main.append(h('p', { class: 'message error', role: 'alert' }, `Could not load this page: ${err.message || err}`));
  }
  const heading = main.querySelector('h1');
  const flashed = takeFlash();
  if (heading && flashed) heading.after(h('p', { class: 'message ok', role: 'status' }, flashed));
  if (heading) {
    heading.tabIndex = -1;
    document.title = `${heading.textContent} · convtrack`;
    if (document.activeElement === document.body || !main.contains(document.activeElement)) heading.focus({ preventScroll: true });
  }
}

whenSignedOut(() => {
  session = null;
  setSession(null);
  signInPage('Your session has ended: sign in again.');
});
window.addEventListener('hashchange', () => void route());
void route();
