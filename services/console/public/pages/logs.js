// The logs: conversions (why each is what it is; reverse one), postbacks (replay), outbound deliveries (retry).
import { api, query } from '../api.js';
import { DUPLICATE_STATUSES, OUTCOMES, REJECT_REASONS, REVERSAL_REASONS, STATUSES, modeFor, modeLabel, modeLine } from '../modes.js';
import { detailButton, field, flash, h, link, messageArea, replace, select, show, table, when, submitForm } from '../ui.js';

/** A filter form whose values live in the page's address, so a filtered log can be bookmarked and shared. */
function filterForm(page, params, controls) {
  return h(
    'form',
    {
      class: 'card filters',
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const [name, control] of controls) if (control.value) next.set(name, control.value);
        location.hash = `#/${page}?${next.toString()}`;
      },
    },
    controls.map(([, control, label, hint]) => field(label, control, hint)),
    h(
      'div',
      { class: 'actions-inline' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('a', { href: `#/${page}`, class: 'button secondary' }, 'Clear filters'),
    ),
  );
}

const input = (name, params, props = {}) => h('input', { type: 'text', name, value: params.get(name) || '', spellcheck: false, ...props });
const choice = (name, params, options, any = 'any') =>
  select([['', any], ...options.map((o) => (Array.isArray(o) ? o : [o, o]))], params.get(name) || '', { name });

/** A log table with a "Load more" button that follows the cursor. */
/** The type filter's value for the main conversion: a control character, which no type name may hold. */
const MAIN = '\u001f';

async function pagedLog(path, filters, columns, caption, empty) {
  const area = h('div');
  const rows = [];
  const load = async (cursor) => {
    // The main conversion is `type=` with nothing after it, which query() would leave out.
    const main = filters.type === MAIN;
    const search = query({ ...filters, type: main ? undefined : filters.type, cursor, limit: 100 });
    const page = await api('GET', `${path}${search}${main ? `${search ? '&' : '?'}type=` : ''}`);
    rows.push(...page.items);
    replace(
      area,
      table(columns, rows, { caption, empty }),
      page.next_cursor
        ? h('button', { type: 'button', class: 'secondary', onclick: () => void load(page.next_cursor) }, 'Load more')
        : h('p', { class: 'hint' }, `${rows.length} shown, the newest first.`),
    );
  };
  await load();
  return area;
}

/** The filters both logs share: test or real, and a range of days. */
const testAndRange = (params) => [
  [
    'test',
    choice(
      'test',
      params,
      [
        ['false', 'real only'],
        ['true', 'test only'],
      ],
      'real and test',
    ),
    'Test',
  ],
  ['from', input('from', params, { type: 'date' }), 'From'],
  ['to', input('to', params, { type: 'date' }), 'To'],
];

const filtersOf = (params, names) => Object.fromEntries(names.filter((n) => params.get(n)).map((n) => [n, params.get(n)]));

export async function conversionsPage(main, { params }) {
  const [types, sources, campaigns] = await Promise.all([
    api('GET', '/conversion-types'),
    api('GET', '/offer-sources'),
    api('GET', '/campaigns'),
  ]);
  const typeNames = types.items.map((t) => t.name);
  const controls = [
    ['type', choice('type', params, [[MAIN, 'main conversion'], ...typeNames.map((t) => [t, t])]), 'Type'],
    ['status', choice('status', params, STATUSES), 'Status'],
    ['duplicate_status', choice('duplicate_status', params, DUPLICATE_STATUSES), 'Duplicate status'],
    ['clickid', input('clickid', params), 'Click ID'],
    [
      'campaign',
      choice(
        'campaign',
        params,
        campaigns.items.map((c) => [c.id, c.name]),
      ),
      'Campaign',
    ],
    ...testAndRange(params),
  ];
  const message = messageArea();
  const columns = [
    { key: 'created_at', label: 'Time', nowrap: true, render: (c) => when(c.created_at) },
    {
      key: 'clickid',
      label: 'Click ID',
      render: (c) => link(`#/journeys?clickid=${encodeURIComponent(c.clickid)}`, c.clickid, { title: 'The click’s journey' }),
    },
    { key: 'type', label: 'Type', render: (c) => c.type || 'main' },
    { key: 'status', label: 'Status', render: (c) => (c.reversal ? `declined (reversed: ${c.reversal.reason})` : c.status) },
    { key: 'duplicate_status', label: 'Duplicate status' },
    { key: 'payout', label: 'Payout', numeric: true, render: (c) => `${show(c.payout)} ${c.currency}` },
    {
      key: 'campaign_id',
      label: 'Campaign',
      render: (c) => (campaigns.items.find((x) => x.id === c.campaign_id) || { name: c.campaign_id }).name,
    },
    { key: 'test', label: 'Test' },
    {
      key: 'actions',
      label: 'Actions',
      render: (c) =>
        h(
          'div',
          { class: 'row-actions' },
          detailButton('Why this?', () => explainConversion(c, types.items, sources.items)),
          c.reversal ? null : detailButton('Reverse…', () => reverseForm(c, message)),
        ),
    },
  ];
  const filters = filtersOf(
    params,
    controls.map(([n]) => n),
  );
  replace(
    main,
    h('h1', {}, 'Conversions'),
    h(
      'p',
      { class: 'lead' },
      'Every conversion, the newest first. Duplicate status: new (the first of its click and type), repeated (a later one), unknown (the mode does not tell).',
    ),
    filterForm('conversions', params, controls),
    message.el,
    await pagedLog('/conversions', filters, columns, 'Conversion log', 'No conversions match.'),
  );
}

/** Why a conversion is what it is: the rule that applied and where it came from. */
async function explainConversion(c, types, sources) {
  const source = sources.find((s) => s.id === c.offer_source_id) || null;
  const applied = modeFor(c.type, types, source);
  const first =
    c.postback_ids && c.postback_ids[0] ? await api('GET', `/postbacks/${encodeURIComponent(c.postback_ids[0])}`).catch(() => null) : null;
  const raw = first ? first.raw || {} : {};
  const facts = [
    ['Duplicate mode', `${modeLabel(applied.mode)}, from ${applied.from} (as set now). ${modeLine(applied.mode)}`],
    [
      'Duplicate status',
      {
        new: 'new: the first conversion of this click and type.',
        repeated: 'repeated: this click already had a conversion of this type.',
        unknown: 'unknown: this mode does not tell new from repeated.',
      }[c.duplicate_status],
    ],
    [
      'Status',
      raw.status
        ? `${c.status}: the postback said status=${raw.status}.`
        : `${c.status}: the postback had no status, so the offer source’s default (${source ? source.default_status : 'approved'}) applied.`,
    ],
    [
      'Payout',
      raw.sum !== undefined || raw.payout !== undefined
        ? `${show(c.payout)} ${c.currency}: from the postback’s sum${c.original_currency !== c.currency ? ` (${show(c.original_payout)} ${c.original_currency} at ${c.fx_rate})` : ''}.`
        : `${show(c.payout)} ${c.currency}: the postback had no sum, so the offer’s payout.`,
    ],
    ['Postbacks applied', String(c.postback_ids ? c.postback_ids.length : 0)],
  ];
  if (c.reversal)
    facts.push(['Reversed', `${c.reversal.reason}${c.reversal.note ? ` (${c.reversal.note})` : ''} at ${when(c.reversal.reversed_at)}`]);
  if (c.test) facts.push(['Test', 'a test postback made it: in no report, sent to no channel.']);
  return h(
    'dl',
    { class: 'facts' },
    facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function reverseForm(c, message) {
  const reason = select(
    REVERSAL_REASONS.map((r) => [r, r]),
    'chargeback',
    { name: 'reason' },
  );
  const note = h('input', { type: 'text', name: 'note', maxLength: 500 });
  const form = submitForm(
    { class: 'inline', message: message },
    async () => {
      await api('POST', `/conversions/${encodeURIComponent(c.id)}/reverse`, {
        reason: reason.value,
        ...(note.value ? { note: note.value } : {}),
      });
      flash(`Conversion ${c.id} reversed (${reason.value}): its revenue left net revenue.`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    },
    field('Reason', reason),
    field('Note', note),
    h('button', { type: 'submit', class: 'danger' }, 'Reverse conversion'),
  );
  return form;
}

export async function postbacksPage(main, { params }) {
  const controls = [
    ['outcome', choice('outcome', params, OUTCOMES), 'Outcome'],
    ['reason', choice('reason', params, REJECT_REASONS), 'Reason'],
    ['clickid', input('clickid', params), 'Click ID'],
    ...testAndRange(params),
  ];
  const message = messageArea();
  const replayOne = (p) =>
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          try {
            await api('POST', `/postbacks/${encodeURIComponent(p.id)}/replay`);
            message.ok(`Postback ${p.id} queued again; its outcome shows here once the worker has it.`);
          } catch (err) {
            message.error(err);
          }
        },
      },
      'Replay',
    );
  const columns = [
    { key: 'received_at', label: 'Received', nowrap: true, render: (p) => when(p.received_at) },
    { key: 'clickid', label: 'Click ID', render: (p) => show(p.clickid) },
    { key: 'type', label: 'Type', render: (p) => p.type || 'main' },
    { key: 'outcome', label: 'Outcome' },
    { key: 'reason', label: 'Reason', render: (p) => show(p.reason) },
    { key: 'detail', label: 'Detail', render: (p) => show(p.detail) },
    { key: 'test', label: 'Test' },
    {
      key: 'raw',
      label: 'Parameters',
      render: (p) => detailButton('As received', () => h('pre', {}, JSON.stringify(p.raw, null, 2))),
    },
    { key: 'actions', label: 'Actions', render: (p) => (p.outcome === 'rejected' && p.params ? replayOne(p) : '—') },
  ];
  const filters = filtersOf(
    params,
    controls.map(([n]) => n),
  );
  const bulk =
    filters.reason && filters.reason !== 'invalid_params'
      ? h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              try {
                const answer = await api('POST', '/postbacks/replay', {
                  reason: filters.reason,
                  ...(filters.clickid ? { clickid: filters.clickid } : {}),
                });
                message.ok(
                  `${answer.queued} postback${answer.queued === 1 ? '' : 's'} rejected as ${filters.reason} queued again${answer.more ? '; more remain, replay again' : ''}.`,
                );
              } catch (err) {
                message.error(err);
              }
            },
          },
          `Replay all rejected as ${filters.reason}`,
        )
      : null;
  replace(
    main,
    h('h1', {}, 'Postbacks'),
    h(
      'p',
      { class: 'lead' },
      'Every postback received, as it came, and what became of it. A rejected one can be replayed once its cause is fixed (a type added, a rate set).',
    ),
    filterForm('postbacks', params, controls),
    bulk,
    message.el,
    await pagedLog('/postbacks', filters, columns, 'Postback log', 'No postbacks match.'),
  );
}

export async function deliveriesPage(main, { params }) {
  const channels = await api('GET', '/traffic-channels');
  const controls = [
    ['state', choice('state', params, ['queued', 'retrying', 'delivered', 'failed', 'not_sent']), 'State'],
    [
      'channel_id',
      choice(
        'channel_id',
        params,
        channels.items.map((c) => [c.id, c.name]),
      ),
      'Traffic channel',
    ],
    ['conversion_id', input('conversion_id', params), 'Conversion'],
  ];
  const message = messageArea();
  const columns = [
    { key: 'created_at', label: 'Created', nowrap: true, render: (d) => when(d.created_at) },
    {
      key: 'channel_id',
      label: 'Traffic channel',
      render: (d) => (channels.items.find((c) => c.id === d.channel_id) || { name: d.channel_id }).name,
    },
    { key: 'kind', label: 'Kind' },
    { key: 'conversion_id', label: 'Conversion' },
    { key: 'state', label: 'State' },
    { key: 'attempts', label: 'Attempts', numeric: true },
    { key: 'http_status', label: 'HTTP', numeric: true },
    { key: 'error', label: 'Last error', render: (d) => show(d.error) },
    { key: 'url', label: 'Request', render: (d) => (d.url ? h('code', { class: 'wrap' }, d.url) : '—') },
    {
      key: 'actions',
      label: 'Actions',
      render: (d) =>
        d.state === 'failed' || d.state === 'retrying'
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: async () => {
                  try {
                    const answer = await api('POST', `/outbound/${encodeURIComponent(d.id)}/retry`);
                    message.ok(`Delivery ${d.id}: ${answer.retry}.`);
                  } catch (err) {
                    message.error(err);
                  }
                },
              },
              'Retry',
            )
          : '—',
    },
  ];
  replace(
    main,
    h('h1', {}, 'Outbound deliveries'),
    h(
      'p',
      { class: 'lead' },
      'Conversions sent to traffic channels (postbacks and ad platform calls), with what each answered. A failed one can be sent again.',
    ),
    filterForm('deliveries', params, controls),
    message.el,
    await pagedLog(
      '/outbound',
      filtersOf(
        params,
        controls.map(([n]) => n),
      ),
      columns,
      'Delivery log',
      'No deliveries match.',
    ),
  );
}
