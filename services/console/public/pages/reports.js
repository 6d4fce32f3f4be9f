// Reports: a range, a grouping, filters from drilling down, chosen columns, totals, paging, CSV of the view, a chart over time.
import { api, query } from '../api.js';
import { STATUSES } from '../modes.js';
import { checkbox, field, formatNumber, h, link, replace, section, select, show, table } from '../ui.js';

const DIMENSIONS = [
  ['date', 'Date'],
  ['hour', 'Hour'],
  ['campaign', 'Campaign'],
  ['offer', 'Offer'],
  ['offer_source', 'Offer source'],
  ['traffic_channel', 'Traffic channel'],
  ['type', 'Conversion type'],
  ['status', 'Status'],
  ...Array.from({ length: 10 }, (_, i) => [`sub${i + 1}`, `Sub ${i + 1}`]),
  ['country', 'Country'],
  ['region', 'Region'],
  ['city', 'City'],
  ['device_type', 'Device type'],
  ['os', 'OS'],
  ['os_version', 'OS version'],
  ['browser', 'Browser'],
  ['browser_version', 'Browser version'],
  ['bot', 'Bot'],
];
const dimensionLabel = (d) => (DIMENSIONS.find(([k]) => k === d) || [d, d])[1];
/** Where a row opens to by default: the next level a buyer usually looks at. */
const NEXT = {
  traffic_channel: 'campaign',
  campaign: 'offer',
  offer: 'sub1',
  offer_source: 'offer',
  date: 'hour',
  type: 'status',
  status: 'campaign',
  hour: 'campaign',
  country: 'region',
  region: 'city',
  device_type: 'os',
  os: 'os_version',
  browser: 'browser_version',
};

const METRICS = [
  ['clicks', 'Clicks'],
  ['conversions', 'Conversions'],
  ['revenue', 'Revenue'],
  ['cost', 'Cost'],
  ['profit', 'Profit'],
  ['roi', 'ROI %'],
  ['cr', 'CR %'],
  ['epc', 'EPC'],
  ['cpc', 'CPC'],
  ['cpa', 'CPA'],
  ['gross_revenue', 'Gross revenue'],
  ['reversed_conversions', 'Reversed'],
  ['reversed_revenue', 'Reversed revenue'],
];
/** How many decimals a column shows (the CSV keeps them all): rates 2, per-click and per-conversion amounts 4. */
const DECIMALS = { roi: 2, cr: 2, epc: 4, cpc: 4, cpa: 4 };
const formatCell = (key, value) =>
  typeof value === 'number' && key in DECIMALS ? formatNumber(Number(value.toFixed(DECIMALS[key]))) : formatNumber(value);
const DEFAULT_COLUMNS = ['clicks', 'conversions', 'revenue', 'cost', 'profit', 'roi', 'cr', 'epc'];
const PAGE_SIZE = 100;
const COLUMNS_KEY = 'convtrack-report-columns';

const PRESETS = [
  ['today', 'Today'],
  ['yesterday', 'Yesterday'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['this_month', 'This month'],
  ['last_month', 'Last month'],
  ['all', 'All time'],
  ['custom', 'Custom dates'],
];

/** The first and last day of a preset, in `tz`; null for no bound (all time). */
function presetRange(preset, tz) {
  const today = todayIn(tz);
  const firstOfMonth = `${today.slice(0, 8)}01`;
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: daysBefore(today, 1), to: daysBefore(today, 1) };
    case '30d':
      return { from: daysBefore(today, 29), to: today };
    case 'this_month':
      return { from: firstOfMonth, to: today };
    case 'last_month': {
      const last = daysBefore(firstOfMonth, 1);
      return { from: `${last.slice(0, 8)}01`, to: last };
    }
    case 'all':
      return { from: null, to: null };
    default:
      return { from: daysBefore(today, 6), to: today };
  }
}

const rangeText = (from, to) => (from && to ? `${from} to ${to}` : from ? `from ${from}` : to ? `until ${to}` : 'all time');

const todayIn = (tz) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
const daysBefore = (date, days) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/** The value of a cell, from the row and the column's key (`type:<name>:conversions` for a type's columns). */
function cell(row, key) {
  if (key.startsWith('type:')) {
    const [, name, what] = key.match(/^type:(.*):(conversions|revenue)$/);
    return row.types && row.types[name] ? row.types[name][what] : 0;
  }
  return row[key];
}

function chosenColumns(types) {
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem(COLUMNS_KEY) || 'null');
  } catch {
    saved = null;
  }
  return new Set(saved || [...DEFAULT_COLUMNS, ...types.map((t) => `type:${t}:conversions`)]);
}

export async function reportsPage(main, { params, account }) {
  const tz = params.get('tz') || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const preset = params.get('range') || (params.get('from') || params.get('to') ? 'custom' : '7d');
  const { from, to } = preset === 'custom' ? { from: params.get('from') || null, to: params.get('to') || null } : presetRange(preset, tz);
  const groupBy = params.get('group_by') || 'campaign';
  const sortKey = params.get('sort') || '';
  const page = Number(params.get('page') || '1');
  const filters = DIMENSIONS.map(([d]) => d)
    .filter((d) => d !== 'date' && d !== 'hour' && params.has(d))
    .map((d) => [d, params.get(d)]);
  const filterParams = Object.fromEntries(filters);

  const go = (changes) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined) next.delete(k);
      else next.set(k, v);
    }
    if (!('page' in changes)) next.delete('page');
    location.hash = `#/reports?${next.toString()}`;
  };

  const base = { from, to, tz, ...filterParams };
  const byHour = from !== null && from === to;
  // The names of the settings a filter points at, for its chip.
  const named = { campaign: '/campaigns', offer: '/offers', offer_source: '/offer-sources', traffic_channel: '/traffic-channels' };
  const names = {};
  await Promise.all(
    filters
      .filter(([d]) => named[d])
      .map(async ([d]) => {
        names[d] = Object.fromEntries((await api('GET', named[d])).items.map((r) => [r.id, r.name]));
      }),
  );
  const [report, chartData] = await Promise.all([
    api('GET', `/reports${query({ ...base, group_by: groupBy, limit: 10000 })}`),
    api('GET', `/reports${query({ ...base, group_by: byHour ? 'hour' : 'date', limit: 10000 })}`),
  ]);
  const columns = chosenColumns(report.types);

  // Controls: range, zone, grouping.
  const rangeSelect = select(PRESETS, preset, { name: 'range' });
  const fromInput = h('input', { type: 'date', name: 'from', value: from || '' });
  const toInput = h('input', { type: 'date', name: 'to', value: to || '' });
  // Typing a date makes the range a custom one; picking a preset fills the dates it means.
  for (const input of [fromInput, toInput]) input.addEventListener('input', () => (rangeSelect.value = 'custom'));
  rangeSelect.addEventListener('change', () => {
    if (rangeSelect.value === 'custom') return;
    const range = presetRange(rangeSelect.value, tzInput.value.trim() || 'UTC');
    fromInput.value = range.from || '';
    toInput.value = range.to || '';
  });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  const tzInput = h('input', { type: 'text', name: 'tz', value: tz, list: 'report-zones', spellcheck: false, required: true });
  const group = select(DIMENSIONS, groupBy, { name: 'group_by' });
  const controls = h(
    'form',
    {
      class: 'card report-controls',
      onsubmit: (event) => {
        event.preventDefault();
        const custom = rangeSelect.value === 'custom';
        go({
          range: rangeSelect.value,
          from: custom ? fromInput.value || null : null,
          to: custom ? toInput.value || null : null,
          tz: tzInput.value.trim() || 'UTC',
          group_by: group.value,
        });
      },
    },
    field('Range', rangeSelect),
    field('From', fromInput),
    field('To', toInput),
    field('Time zone', tzInput),
    h(
      'datalist',
      { id: 'report-zones' },
      ['UTC', ...zones].map((z) => h('option', { value: z })),
    ),
    field('Group by', group),
    h('button', { type: 'submit' }, 'Show report'),
  );

  // Filters from drilling down, each removable.
  const chips = filters.length
    ? h(
        'div',
        { class: 'chips', role: 'group', 'aria-label': 'Filters' },
        h('span', {}, 'Filtered to: '),
        filters.map(([d, v]) =>
          h(
            'button',
            {
              type: 'button',
              class: 'chip',
              onclick: () => go({ [d]: null }),
              'aria-label': `Remove filter ${dimensionLabel(d)} = ${nameOf(names, d, v)}`,
            },
            `${dimensionLabel(d)}: ${nameOf(names, d, v)} ✕`,
          ),
        ),
      )
    : null;

  // Columns: metrics, one per status, a pair per conversion type.
  const columnOptions = [
    ...METRICS.map(([k, label]) => [k, label]),
    ...STATUSES.map((s) => [`${s}_conversions`, `${s} conversions`]),
    ...report.types.flatMap((t) => [
      [`type:${t}:conversions`, `${t} conversions`],
      [`type:${t}:revenue`, `${t} revenue`],
    ]),
  ];
  const columnBoxes = columnOptions.map(([key, label]) => {
    const c = checkbox(label, columns.has(key));
    c.box.addEventListener('change', () => {
      if (c.box.checked) columns.add(key);
      else columns.delete(key);
      localStorage.setItem(COLUMNS_KEY, JSON.stringify([...columns]));
      renderTable();
    });
    return c.wrap;
  });
  const columnPicker = h(
    'details',
    { class: 'columns' },
    h('summary', {}, 'Columns'),
    h('fieldset', {}, h('legend', {}, 'Columns shown'), columnBoxes),
  );

  // Rows: sorted here (all of them are loaded), paged by 100.
  const rows = report.rows.slice();
  const desc = sortKey.startsWith('-');
  const key = sortKey.replace(/^-/, '');
  if (key) {
    rows.sort((a, b) => {
      const x = key === groupBy ? label(report, groupBy, a) : cell(a, key);
      const y = key === groupBy ? label(report, groupBy, b) : cell(b, key);
      const order =
        typeof x === 'number' && typeof y === 'number'
          ? x - y
          : String(x ?? '').localeCompare(String(y ?? ''), undefined, { numeric: true });
      return desc ? -order : order;
    });
  }
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pages);
  const next =
    NEXT[groupBy] && !params.has(NEXT[groupBy])
      ? NEXT[groupBy]
      : DIMENSIONS.map(([d]) => d).find((d) => d !== groupBy && !params.has(d) && d !== 'date' && d !== 'hour');
  const drill = select(
    DIMENSIONS.filter(([d]) => d !== groupBy),
    next,
    { name: 'drill' },
  );
  const tableArea = h('div');
  const visible = () => [
    {
      key: groupBy,
      label: dimensionLabel(groupBy),
      render: (row) => {
        const value = row[groupBy];
        const text = label(report, groupBy, row);
        if (groupBy === 'hour' || value === undefined) return text;
        return h(
          'button',
          {
            type: 'button',
            class: 'link',
            title: `Open ${text} by ${dimensionLabel(drill.value)}`,
            onclick: () =>
              go(
                groupBy === 'date'
                  ? { range: 'custom', from: value, to: value, group_by: drill.value }
                  : { [groupBy]: value === null ? '' : value, group_by: drill.value },
              ),
          },
          text,
        );
      },
    },
    ...columnOptions
      .filter(([k]) => columns.has(k))
      .map(([k, l]) => ({ key: k, label: l, numeric: true, render: (row) => formatCell(k, cell(row, k)) })),
  ];
  const renderTable = () => {
    const cols = visible();
    replace(
      tableArea,
      table(cols, rows.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE), {
        caption: `Report by ${dimensionLabel(groupBy)}, ${rangeText(from, to)} (${tz})`,
        sortable: true,
        sorted: key ? { key, desc } : null,
        onSort: (k) => go({ sort: key === k && !desc ? `-${k}` : k }),
        footer: (c) => (c.key === groupBy ? 'Total' : formatCell(c.key, cell(report.totals, c.key))),
        empty: 'No traffic in this range.',
      }),
      pages > 1
        ? h(
            'nav',
            { class: 'pager', 'aria-label': 'Report pages' },
            h(
              'button',
              { type: 'button', class: 'secondary', disabled: current === 1, onclick: () => go({ page: String(current - 1) }) },
              'Previous page',
            ),
            h('span', {}, `Rows ${(current - 1) * PAGE_SIZE + 1}–${Math.min(current * PAGE_SIZE, rows.length)} of ${rows.length}`),
            h(
              'button',
              { type: 'button', class: 'secondary', disabled: current === pages, onclick: () => go({ page: String(current + 1) }) },
              'Next page',
            ),
          )
        : h('p', { class: 'hint' }, `${rows.length} row${rows.length === 1 ? '' : 's'}`),
    );
  };
  renderTable();

  const exportCsv = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => download(`report-${groupBy}-${from || 'start'}-${to || 'today'}.csv`, toCsv(visible(), rows, report, groupBy)),
    },
    'Export CSV',
  );

  replace(
    main,
    h('h1', {}, 'Reports'),
    controls,
    chips,
    section('Over time', chart(chartData, byHour ? 'hour' : 'date', account.currency, { from, to })),
    section(
      `By ${dimensionLabel(groupBy)}`,
      h('div', { class: 'report-tools' }, columnPicker, field('Open a row by', drill), exportCsv),
      tableArea,
    ),
    h(
      'p',
      { class: 'hint' },
      `Amounts in ${account.currency}. Test conversions are never in reports. `,
      link('#/costs', 'Enter costs'),
      ' to see profit and ROI. IP geolocation by ',
      h('a', { href: 'https://db-ip.com', rel: 'noopener' }, 'DB-IP'),
      ' (CC BY 4.0) unless GEOIP_DB names another database.',
    ),
  );
}

function nameOf(names, dimension, value) {
  if (value === '') return dimension === 'type' ? '(main conversion)' : '(none)';
  return (names[dimension] && names[dimension][value]) || value;
}

function label(report, dimension, row) {
  const value = row[dimension];
  if (value === null || value === undefined || value === '') return dimension === 'type' ? '(main conversion)' : '(none)';
  return row[`${dimension}_name`] || String(value);
}

/** CSV of exactly what the table shows: its columns, every row in its order, the totals last; formulas defused. */
function toCsv(columns, rows, report, groupBy) {
  const quote = (v) => {
    let text = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(text) && typeof v !== 'number') text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map((c) => quote(c.label)).join(',')];
  for (const row of rows)
    lines.push(columns.map((c) => quote(c.key === groupBy ? label(report, groupBy, row) : cell(row, c.key))).join(','));
  lines.push(columns.map((c) => quote(c.key === groupBy ? 'Total' : cell(report.totals, c.key))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Clicks and conversions (left axis), revenue, cost and profit (right axis), drawn by uPlot. */
function chart(data, by, currency, range) {
  // Every day (or hour) of the range gets a point, 0 where nothing happened, so the axis spans the range asked for.
  const byKey = new Map(data.rows.filter((r) => r[by]).map((r) => [r[by], r]));
  const keys = [];
  if (by === 'hour') for (let hour = 0; hour < 24; hour++) keys.push(`${range.from} ${String(hour).padStart(2, '0')}:00`);
  else if (range.from && range.to)
    for (let day = range.from, n = 0; day <= range.to && n < 1000; day = daysBefore(day, -1), n++) keys.push(day);
  for (const key of byKey.keys()) if (!keys.includes(key)) keys.push(key);
  keys.sort();
  const rows = keys.map((key) => byKey.get(key) || { [by]: key });
  const times = keys.map((key) => Date.parse(by === 'hour' ? `${key.replace(' ', 'T')}:00Z` : `${key}T00:00:00Z`) / 1000);
  const series = [
    ['clicks', 'Clicks', '#1f5fbf', 'count'],
    ['conversions', 'Conversions', '#0a7d33', 'count'],
    ['revenue', 'Revenue', '#7a3fb0', 'money'],
    ['cost', 'Cost', '#b3261e', 'money'],
    ['profit', 'Profit', '#8a5a00', 'money'],
  ];
  const totals = series.map(([k, l]) => `${l} ${show(data.totals[k])}`).join(', ');
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': `Chart by ${by}: ${totals}${by === 'date' ? '' : ' (by hour)'}` });
  if (!data.rows.length) {
    box.append(h('p', { class: 'empty' }, 'No traffic in this range.'));
    return box;
  }
  if (!window.uPlot) {
    box.append(h('p', {}, 'The chart library did not load.'));
    return box;
  }
  const width = () => Math.max(320, (box.parentElement ? box.parentElement.clientWidth : 800) - 16);
  requestAnimationFrame(() => {
    const plot = new window.uPlot(
      {
        width: width(),
        height: 260,
        tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        series: [
          {},
          ...series.map(([, l, stroke, scale]) => ({
            label: l,
            stroke,
            width: 2,
            scale,
            value: (_u, v) => (v === null ? '—' : formatNumber(v)),
          })),
        ],
        axes: [{}, { scale: 'count', label: 'Clicks, conversions' }, { scale: 'money', side: 1, label: currency, grid: { show: false } }],
        scales: { x: { time: true } },
      },
      [times, ...series.map(([k]) => rows.map((r) => r[k] ?? 0))],
      box,
    );
    window.addEventListener('resize', () => plot.setSize({ width: width(), height: 260 }));
  });
  return box;
}
