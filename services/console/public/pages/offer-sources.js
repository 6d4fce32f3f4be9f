// Offer sources (the affiliate networks): their defaults, their postback URL, and a tester for it.
import { api, allPages, query } from '../api.js';
import { MODES, STATUSES, modeFor, modeLabel, modeLine } from '../modes.js';
import {
  checkbox,
  copyButton,
  field,
  flash,
  h,
  link,
  messageArea,
  replace,
  section,
  select,
  show,
  table,
  when,
  submitForm,
} from '../ui.js';

/** A token just typed, shown once on the source's page and then forgotten: kept in memory, never in browser storage. */
const shownTokens = new Map();

/** The optional postback parameters a network may fill, each explained. */
const OPTIONAL = [
  ['sum', '{sum}', 'The payout, a decimal such as 12.5 (payout= also works). Without it the offer’s payout is used.'],
  ['status', '{status}', 'approved, pending, declined or other, in lowercase. Without it the source’s default status applies.'],
  ['type', '{type}', 'The conversion type, exactly as added under Conversion types. Without it, the main conversion.'],
  ['rdtk_event_id', '{event_id}', 'The network’s id of this event: the Ignore by event id mode dedupes on it.'],
  ['currency', '{currency}', 'The payout’s currency (ISO code, e.g. EUR); without it the source’s currency.'],
];

function sourceForm(source, { submitLabel, onSaved }) {
  const message = messageArea();
  const name = h('input', { type: 'text', name: 'name', required: true, maxLength: 200, value: source ? source.name : '' });
  const currency = h('input', {
    type: 'text',
    name: 'currency',
    maxLength: 3,
    value: source && source.currency ? source.currency : '',
    placeholder: 'USD',
  });
  const status = select(
    STATUSES.map((s) => [s, s === 'approved' ? 'approved (recommended)' : s]),
    source ? source.default_status : 'approved',
    { name: 'default_status' },
  );
  const mode = select(
    MODES.map(([m, label]) => [m, label]),
    source ? source.duplicate_mode : 'create_new',
    { name: 'duplicate_mode' },
  );
  const modeHint = h('span', {}, `${modeLine(mode.value)} A conversion type's own mode wins over this one.`);
  mode.addEventListener('change', () => replace(modeHint, `${modeLine(mode.value)} A conversion type's own mode wins over this one.`));
  const token = h('input', { type: 'text', name: 'postback_token', autocomplete: 'off', spellcheck: false, minLength: 8, maxLength: 256 });
  const removeToken = source && source.postback_token ? checkbox('Remove the token', false) : null;
  const generate = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        const bytes = crypto.getRandomValues(new Uint8Array(18));
        token.value = btoa(String.fromCharCode(...bytes))
          .replace(/\+/g, '-')
          .replace(/\//g, '_');
      },
    },
    'Generate a token',
  );
  const ips = h('textarea', { name: 'ip_allowlist', rows: 3, spellcheck: false }, source ? source.ip_allowlist.join('\n') : '');
  const test = checkbox(
    'Test mode',
    source ? source.test_mode : false,
    'Every postback from this source is a test: kept apart, in no report, sent to no channel.',
  );
  const form = submitForm(
    { class: 'card', message },
    async () => {
      const body = {
        name: name.value,
        currency: currency.value.trim() ? currency.value.trim().toUpperCase() : null,
        default_status: status.value,
        duplicate_mode: mode.value,
        ip_allowlist: ips.value
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
        test_mode: test.box.checked,
      };
      if (token.value) body.postback_token = token.value;
      else if (removeToken && removeToken.box.checked) body.postback_token = null;
      const saved = source ? await api('PATCH', `/offer-sources/${source.id}`, body) : await api('POST', '/offer-sources', body);
      await onSaved(saved, token.value);
    },
    field('Name', name),
    field(
      'Default status',
      status,
      'Given to a postback without status=. Approved is recommended: networks mostly call only for approved conversions.',
    ),
    field('Duplicate mode', mode, modeHint),
    field('Currency', currency, 'The currency its payouts are in, when the postback does not say (empty: the account currency).'),
    field(
      source && source.postback_token ? `Postback token (set, ends ${source.postback_token})` : 'Postback token',
      token,
      source && source.postback_token
        ? 'Type a new one to replace it; leave empty to keep it.'
        : 'Optional, at least 8 characters: postbacks must then carry token=…. Shown once, never again.',
    ),
    h('div', { class: 'actions-inline' }, generate),
    removeToken ? removeToken.wrap : null,
    field('IP allowlist', ips, 'One IP or CIDR range per line; empty: any address.'),
    test.wrap,
    h('button', { type: 'submit' }, submitLabel),
    message.el,
  );
  return form;
}

export async function offerSourcesPage(main) {
  const { items } = await api('GET', '/offer-sources');
  const columns = [
    { key: 'name', label: 'Name', render: (s) => link(`#/offer-sources/${encodeURIComponent(s.id)}`, s.name) },
    { key: 'default_status', label: 'Default status' },
    { key: 'duplicate_mode', label: 'Duplicate mode', render: (s) => modeLabel(s.duplicate_mode) },
    { key: 'test_mode', label: 'Test mode' },
    { key: 'postback_token', label: 'Token', render: (s) => (s.postback_token ? `set (${s.postback_token})` : 'none') },
  ];
  replace(
    main,
    h('h1', {}, 'Offer sources'),
    h(
      'p',
      { class: 'lead' },
      'An offer source is an affiliate network. Each has a postback URL to paste into the network, and the defaults its postbacks get.',
    ),
    section(
      'Your offer sources',
      table(columns, items, { caption: 'Offer sources', empty: 'No offer source yet: add the network you run offers from.' }),
    ),
    section(
      'Add an offer source',
      sourceForm(null, {
        submitLabel: 'Create offer source',
        onSaved: (saved, token) => showSource(saved, token, `Offer source “${saved.name}” created.`),
      }),
    ),
  );
}

/** Opens a source's page (again), with a message, and its new token shown once. */
function showSource(saved, token, said) {
  if (token) shownTokens.set(saved.id, token);
  flash(said);
  const target = `#/offer-sources/${encodeURIComponent(saved.id)}${token ? '?token=shown' : ''}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

export async function offerSourcePage(main, { match, params, account }) {
  const deleteMessage = messageArea();
  const id = decodeURIComponent(match[1]);
  const [source, types] = await Promise.all([api('GET', `/offer-sources/${encodeURIComponent(id)}`), api('GET', '/conversion-types')]);
  // A token just set is shown once, on this page, then forgotten.
  const newToken = params.get('token') === 'shown' ? shownTokens.get(id) || null : null;
  shownTokens.delete(id);
  const base = source.postback_url.replace('<postback_token>', newToken || '<postback_token>');
  const chosen = new Set(['status', 'type']);
  const url = h('input', { type: 'text', readOnly: true, class: 'url', spellcheck: false });
  const render = () => {
    url.value =
      base +
      OPTIONAL.filter(([p]) => p !== 'sum' && chosen.has(p))
        .map(([p, macro]) => `&${p}=${macro}`)
        .join('');
  };
  render();
  const choices = OPTIONAL.filter(([p]) => p !== 'sum').map(([p]) => {
    const c = checkbox(`Add ${p}=`, chosen.has(p));
    c.box.addEventListener('change', () => {
      if (c.box.checked) chosen.add(p);
      else chosen.delete(p);
      render();
    });
    return c.wrap;
  });

  replace(
    main,
    h('p', { class: 'crumbs' }, link('#/offer-sources', 'Offer sources'), ' / ', source.name),
    h('h1', {}, source.name),
    section(
      'Postback URL',
      h(
        'p',
        {},
        'Paste this into the network, replacing the braces with the network’s own macros (its click id in {clickid}, its payout in {sum}).',
      ),
      field(
        'Postback URL',
        url,
        source.postback_token && !newToken ? 'Put the token you set where it says <postback_token>: it is never shown again.' : null,
      ),
      copyButton('Copy postback URL', () => url.value),
      newToken
        ? h('p', { class: 'message ok', role: 'status' }, 'The token is in the URL above: copy it now, it will not be shown again.')
        : null,
      h('fieldset', {}, h('legend', {}, 'Optional parameters in the URL'), choices),
      h(
        'dl',
        { class: 'params' },
        OPTIONAL.map(([p, macro, line]) => [h('dt', {}, h('code', {}, `${p}=${macro}`)), h('dd', {}, line)]),
      ),
      h(
        'p',
        {},
        'Add test=1 to any postback to make it a test: it is logged and shown in the logs, never in reports or sent to a channel.',
      ),
    ),
    section('Postback tester', tester(source, types.items, account, newToken)),
    section(
      'Settings',
      sourceForm(source, {
        submitLabel: 'Save offer source',
        onSaved: (saved, token) => showSource(saved, token, `Offer source “${saved.name}” saved.`),
      }),
    ),
    section(
      'Delete',
      h('p', {}, 'An offer source that an offer still uses cannot be deleted: delete or move its offers first.'),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            if (!confirm(`Delete the offer source “${source.name}”?`)) return;
            try {
              await api('DELETE', `/offer-sources/${encodeURIComponent(id)}`);
              flash(`Offer source “${source.name}” deleted.`);
              location.hash = '#/offer-sources';
            } catch (err) {
              deleteMessage.error(err);
            }
          },
        },
        'Delete offer source',
      ),
      deleteMessage.el,
    ),
  );
}

/** Sends a test postback to the source's own URL from this browser, then shows what the worker made of it. */
function tester(source, types, account, knownToken) {
  const message = messageArea();
  const result = h('div', { class: 'tester-result', 'aria-live': 'polite' });
  const clickid = h('input', { type: 'text', name: 'clickid', required: true, spellcheck: false, list: 'tester-clicks' });
  const clicks = h('datalist', { id: 'tester-clicks' });
  allPages('/conversions', { offer_source: source.id }, 50).then(
    (items) =>
      replace(
        clicks,
        [...new Set(items.map((c) => c.clickid))].map((c) => h('option', { value: c })),
      ),
    () => {},
  );
  const type = select([['', 'main conversion (no type)'], ...types.map((t) => [t.name, t.name])], '', { name: 'type' });
  const status = select([['', "none (the source's default)"], ...STATUSES.map((s) => [s, s])], '', { name: 'status' });
  const sum = h('input', { type: 'text', name: 'sum', inputMode: 'decimal', placeholder: '12.50' });
  const eventId = h('input', { type: 'text', name: 'rdtk_event_id', spellcheck: false });
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', value: knownToken || '' });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        message.clear();
        replace(result);
        const target = new URL(`${account.public_url}/postback`);
        const params = {
          clickid: clickid.value,
          sum: sum.value,
          status: status.value,
          type: type.value,
          rdtk_event_id: eventId.value,
          token: token.value,
          test: 1,
        };
        target.search = query(params).slice(1);
        const sentAt = Date.now();
        try {
          // The receiver is another origin and answers networks, not pages: the request goes, its answer is not readable here.
          await fetch(target.toString(), { mode: 'no-cors', credentials: 'omit', referrerPolicy: 'no-referrer' });
        } catch (err) {
          message.error(`The postback URL ${account.public_url} did not answer from this browser: ${err.message}`);
          return;
        }
        message.ok('Test postback sent; waiting for the worker…');
        const entry = await waitForEntry(clickid.value, sentAt);
        if (!entry) {
          message.error(
            'Nothing in the postback log after 20 s. An unknown click id waits up to 15 minutes for its click before it is rejected; check the Postbacks log.',
          );
          return;
        }
        message.ok('Test postback processed.');
        replace(result, await explain(entry, source, types));
      },
    },
    h(
      'p',
      {},
      `Sends a test=1 postback to ${account.public_url}/postback from this browser, as a network would, and shows what happened to it. Test conversions stay out of reports.`,
    ),
    field('Click ID', clickid, 'A click of a campaign running an offer of this source (recent ones are suggested).'),
    clicks,
    field('Type', type),
    field('Status', status),
    field('Sum', sum, 'Empty: the offer’s payout.'),
    field('Event id (rdtk_event_id)', eventId),
    source.postback_token ? field('Token', token, 'The postback token of this source.') : null,
    h('button', { type: 'submit' }, 'Send test postback'),
    message.el,
    result,
  );
  return form;
}

async function waitForEntry(clickid, sentAt) {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const { items } = await api('GET', `/postbacks${query({ clickid, test: true, limit: 10 })}`);
    const entry = items.find((p) => Date.parse(p.received_at) >= sentAt - 5000);
    if (entry) return entry;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return null;
}

/** What happened to a test postback, and why, as the outcome table of the tester. */
async function explain(entry, source, types) {
  const rows = [
    ['Outcome', entry.outcome],
    ['Reason', entry.reason],
    ['Detail', entry.detail],
  ];
  const typeName = entry.params ? entry.params.type : entry.type;
  if (entry.outcome !== 'rejected') {
    const applied = modeFor(typeName, types, source);
    rows.push(['Duplicate mode applied', `${modeLabel(applied.mode)} (${applied.mode}), from ${applied.from}`]);
  }
  if (entry.conversion_id) {
    const { items } = await api('GET', `/conversions${query({ clickid: entry.clickid, test: true, limit: 100 })}`);
    const conversion = items.find((c) => c.id === entry.conversion_id);
    if (conversion) {
      rows.push(['Conversion', conversion.id]);
      rows.push(['Status', conversion.status]);
      rows.push(['Type', conversion.type || 'main conversion']);
      rows.push(['Duplicate status', conversion.duplicate_status]);
      rows.push(['Payout', `${show(conversion.payout)} ${conversion.currency}`]);
    }
  }
  return h(
    'div',
    {},
    h('h3', {}, 'What happened'),
    h(
      'dl',
      { class: 'facts' },
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, show(v))]),
    ),
    h(
      'p',
      {},
      link(`#/postbacks?clickid=${encodeURIComponent(entry.clickid)}&test=true`, 'See it in the postback log'),
      ` · received ${when(entry.received_at)}`,
    ),
  );
}
