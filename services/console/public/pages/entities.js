// Offers, traffic channels and campaigns: a list and a form each, built from a description of their fields.
import { api } from '../api.js';
import { STATUSES } from '../modes.js';
import { checkbox, copyButton, field, h, messageArea, replace, section, select, table, submitForm } from '../ui.js';

/**
 * A field: { key, label, kind: text|url|money|select|checkbox|checks|lines|password, options?, hint?, required?, nullable? }.
 * `read` turns the control's value into what the API takes; `undefined` leaves the field out.
 */
function control(spec, value) {
  if (spec.kind === 'checkbox') {
    const c = checkbox(spec.label, value === undefined ? spec.default : value, spec.hint);
    return { el: c.wrap, read: () => c.box.checked };
  }
  if (spec.kind === 'checks') {
    const chosen = new Set(value || spec.default || []);
    const boxes = spec.options.map((o) => {
      const c = checkbox(o, chosen.has(o));
      return [o, c];
    });
    return {
      el: h(
        'fieldset',
        {},
        h('legend', {}, spec.label),
        boxes.map(([, c]) => c.wrap),
        spec.hint ? h('p', { class: 'hint' }, spec.hint) : null,
      ),
      read: () => boxes.filter(([, c]) => c.box.checked).map(([o]) => o),
    };
  }
  if (spec.kind === 'select') {
    const options = typeof spec.options === 'function' ? spec.options() : spec.options;
    const s = select(options, value === undefined || value === null ? spec.default || '' : String(value), {
      name: spec.key,
      required: spec.required,
    });
    return { el: field(spec.label, s, spec.hint), read: () => (s.value === '' && spec.nullable ? null : s.value), control: s };
  }
  if (spec.kind === 'lines') {
    const t = h('textarea', { name: spec.key, rows: 3, spellcheck: false }, value ? spec.toLines(value) : '');
    return { el: field(spec.label, t, spec.hint), read: () => spec.fromLines(t.value) };
  }
  const input = h('input', {
    type: spec.kind === 'password' ? 'password' : spec.kind === 'url' ? 'url' : 'text',
    name: spec.key,
    required: spec.required,
    autocomplete: 'off',
    spellcheck: false,
    inputMode: spec.kind === 'money' ? 'decimal' : undefined,
    value: spec.kind === 'password' || value === undefined || value === null ? '' : String(value),
    placeholder: spec.placeholder,
  });
  return {
    el: field(spec.kind === 'password' && value ? `${spec.label} (set, ends ${String(value).slice(-4)})` : spec.label, input, spec.hint),
    read: () => {
      const text = input.value.trim();
      if (spec.kind === 'password') return text ? text : undefined;
      if (text === '') return spec.nullable ? null : undefined;
      return text;
    },
  };
}

/** A settings page: the list, and a form that creates, or edits the row whose Edit button was pressed. */
function entityPage({ title, noun, path, lead, fields, columns, extra }) {
  const page = async (main, ctx) => {
    const { items } = await api('GET', path);
    const context = { ...ctx, ...(extra ? await extra() : {}) };
    const formArea = h('div');
    const listMessage = messageArea();
    const openForm = (record) => {
      const message = messageArea();
      const specs = fields(context, record);
      // The fields of the integration chosen, and only those: the others are not in the page at all.
      const platformArea = h('div', { class: 'platform' });
      const controls = specs.map((spec) => [
        spec,
        control(spec, record ? (spec.value ? spec.value(record) : record[spec.key]) : undefined),
      ]);
      const form = submitForm(
        { class: 'card', message },
        async () => {
          const body = {};
          for (const [spec, c] of controls) {
            if (spec.skip || !c.el.isConnected) continue;
            const value = c.read();
            if (value !== undefined) (spec.put || ((b, v) => (b[spec.key] = v)))(body, value, record);
          }
          if (record) await api('PATCH', `${path}/${encodeURIComponent(record.id)}`, body);
          else await api('POST', path, body);
          await page(replace(main), ctx);
          main
            .querySelector('.list-message')
            .append(h('p', { class: 'message ok', role: 'status' }, `${title.slice(0, -1)} “${body.name || record.name}” saved.`));
        },
        h('h2', {}, record ? `Edit ${record.name}` : `Add ${noun}`),
        controls.filter(([spec]) => !spec.integration).map(([, c]) => c.el),
        platformArea,
        h(
          'div',
          { class: 'actions-inline' },
          h('button', { type: 'submit' }, record ? `Save ${noun.replace(/^an? /, '')}` : `Create ${noun.replace(/^an? /, '')}`),
          record ? h('button', { type: 'button', class: 'secondary', onclick: () => openForm(null) }, 'Cancel') : null,
        ),
        message.el,
      );
      // Fields of one integration show only while it is the one chosen.
      const integration = controls.find(([spec]) => spec.key === 'integration');
      if (integration) {
        const choose = () => {
          const chosen = controls.filter(([spec]) => spec.integration && spec.integration === integration[1].control.value);
          replace(
            platformArea,
            chosen.map(([, c]) => c.el),
          );
        };
        integration[1].control.addEventListener('change', choose);
        choose();
      }
      replace(formArea, form);
      if (record) form.querySelector('input, select, textarea')?.focus();
    };
    const actions = {
      key: 'actions',
      label: 'Actions',
      render: (r) =>
        h(
          'span',
          { class: 'actions-inline' },
          h('button', { type: 'button', class: 'secondary', onclick: () => openForm(r) }, `Edit ${r.name}`),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                if (!confirm(`Delete “${r.name}”?`)) return;
                try {
                  await api('DELETE', `${path}/${encodeURIComponent(r.id)}`);
                  await page(replace(main), ctx);
                } catch (err) {
                  listMessage.error(err);
                }
              },
            },
            `Delete ${r.name}`,
          ),
        ),
    };
    replace(
      main,
      h('h1', {}, title),
      h('p', { class: 'lead' }, lead),
      h('div', { class: 'list-message' }),
      section(`Your ${title.toLowerCase()}`, table([...columns(context), actions], items, { caption: title }), listMessage.el),
      formArea,
    );
    openForm(null);
  };
  return page;
}

const lines = {
  toLines: (list) => list.join('\n'),
  fromLines: (text) =>
    text
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
};

export const offersPage = entityPage({
  title: 'Offers',
  noun: 'an offer',
  path: '/offers',
  lead: 'An offer is what a campaign sends visitors to: its URL (with macros) at an offer source, and its default payout.',
  extra: async () => ({ sources: (await api('GET', '/offer-sources')).items }),
  fields: ({ sources }) => [
    { key: 'name', label: 'Name', required: true },
    {
      key: 'url',
      label: 'Offer URL',
      kind: 'url',
      required: true,
      hint: 'Macros filled at the click: {clickid}, {external_id}, {campaign_id}, {offer_id}, {sub1}…{sub10}. E.g. https://network.example/?aff_sub={clickid}',
    },
    {
      key: 'offer_source_id',
      label: 'Offer source',
      kind: 'select',
      required: true,
      options: () => [['', 'Choose…'], ...sources.map((s) => [s.id, s.name])],
    },
    { key: 'payout', label: 'Payout', kind: 'money', hint: 'Used when a postback carries no sum; in the offer source’s currency.' },
  ],
  columns: ({ sources }) => [
    { key: 'name', label: 'Name' },
    {
      key: 'offer_source_id',
      label: 'Offer source',
      render: (o) => (sources.find((s) => s.id === o.offer_source_id) || { name: o.offer_source_id }).name,
    },
    { key: 'payout', label: 'Payout', numeric: true },
    { key: 'url', label: 'URL', render: (o) => h('code', { class: 'wrap' }, o.url) },
  ],
});

/** Our conversion types and the platform's names: one `type = name` per line. */
const mappingLines = {
  toLines: (types) =>
    Object.entries(types || {})
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n'),
  fromLines: (text) =>
    Object.fromEntries(
      text
        .split('\n')
        .map((l) => l.split('=').map((s) => s.trim()))
        .filter(([k, v]) => k && v),
    ),
};

const PLATFORMS = {
  facebook_capi: {
    key: 'facebook',
    title: 'Facebook Conversions API',
    fields: [
      ['pixel_id', 'Pixel (dataset) id', 'text'],
      ['access_token', 'Access token', 'password'],
      ['main_event_name', 'Main conversion event', 'text'],
      ['test_event_code', 'Test event code', 'text'],
    ],
  },
  google_ads: {
    key: 'google_ads',
    title: 'Google Ads',
    fields: [
      ['customer_id', 'Customer id', 'text'],
      ['login_customer_id', 'Manager account id', 'text'],
      ['developer_token', 'Developer token', 'password'],
      ['client_id', 'OAuth client id', 'text'],
      ['client_secret', 'OAuth client secret', 'password'],
      ['refresh_token', 'Refresh token', 'password'],
      ['main', 'Main conversion action', 'text'],
    ],
  },
  microsoft_ads: {
    key: 'microsoft_ads',
    title: 'Microsoft Advertising',
    fields: [
      ['customer_id', 'Customer id', 'text'],
      ['account_id', 'Account id', 'text'],
      ['developer_token', 'Developer token', 'password'],
      ['client_id', 'OAuth client id', 'text'],
      ['client_secret', 'OAuth client secret', 'password'],
      ['refresh_token', 'Refresh token', 'password'],
      ['main', 'Main conversion goal', 'text'],
    ],
  },
  tiktok: {
    key: 'tiktok',
    title: 'TikTok Events API',
    fields: [
      ['pixel_code', 'Pixel code', 'text'],
      ['access_token', 'Access token', 'password'],
      ['test_event_code', 'Test event code', 'text'],
      ['main', 'Main conversion event', 'text'],
    ],
  },
};

function platformFields(record) {
  const specs = [];
  for (const [integration, platform] of Object.entries(PLATFORMS)) {
    const stored = record ? record[platform.key] : null;
    for (const [name, label, kind] of platform.fields)
      specs.push({
        key: `${platform.key}.${name}`,
        label: `${platform.title}: ${label}`,
        kind,
        integration,
        value: () => (stored ? stored[name] : undefined),
        put: (body, value) => {
          body[platform.key] = { ...(body[platform.key] || {}), [name]: value };
        },
      });
    if (platform.key !== 'facebook')
      specs.push({
        key: `${platform.key}.types`,
        label: `${platform.title}: conversion types and what they are sent as`,
        kind: 'lines',
        integration,
        hint: 'One per line: our type = the platform’s name, e.g. Purchase = purchase.',
        ...mappingLines,
        value: () => (stored ? stored.types : undefined),
        put: (body, value) => {
          if (Object.keys(value).length || (stored && Object.keys(stored.types || {}).length))
            body[platform.key] = { ...(body[platform.key] || {}), types: value };
        },
      });
  }
  return specs;
}

export const channelsPage = entityPage({
  title: 'Traffic channels',
  noun: 'a traffic channel',
  path: '/traffic-channels',
  lead: 'A traffic channel is where clicks are bought. Its conversions go back to it: by a postback URL, or through an ad platform’s API.',
  fields: (_ctx, record) => [
    { key: 'name', label: 'Name', required: true },
    {
      key: 'integration',
      label: 'How conversions are sent',
      kind: 'select',
      default: 'postback',
      options: [
        ['postback', 'Postback URL'],
        ['facebook_capi', 'Facebook Conversions API'],
        ['google_ads', 'Google Ads'],
        ['microsoft_ads', 'Microsoft Advertising'],
        ['tiktok', 'TikTok Events API'],
      ],
      hint: 'Only the fields of the integration chosen are needed; secrets are never shown again (their last four characters are).',
    },
    {
      key: 'postback_url',
      label: 'Outbound postback URL',
      kind: 'url',
      nullable: true,
      hint: 'Macros: {external_id}, {clickid}, {payout}, {currency}, {type}, {status}, {event_id}, {campaign_id}, {conversion_id}, {sub1}…{sub10}.',
    },
    {
      key: 'reversal_url',
      label: 'Reversal URL',
      kind: 'url',
      nullable: true,
      hint: 'Called when a conversion is reversed; the same macros and {reversal_reason}.',
    },
    { key: 'send_statuses', label: 'Statuses sent', kind: 'checks', options: STATUSES, default: ['approved'] },
    { key: 'send_main', label: 'Send the main conversion', kind: 'checkbox', default: true },
    {
      key: 'send_types',
      label: 'Only these conversion types (one per line; empty: every type marked Send to channel)',
      kind: 'lines',
      ...lines,
      put: (b, v) => (b.send_types = v.length ? v : null),
    },
    { key: 'currency', label: 'Currency of its payouts', nullable: true, hint: 'Empty: the account currency.' },
    ...platformFields(record),
  ],
  columns: () => [
    { key: 'name', label: 'Name' },
    { key: 'integration', label: 'Sends by' },
    { key: 'postback_url', label: 'Postback URL', render: (t) => (t.postback_url ? h('code', { class: 'wrap' }, t.postback_url) : '—') },
    { key: 'send_statuses', label: 'Statuses', render: (t) => t.send_statuses.join(', ') },
    {
      key: 'secrets',
      label: 'Platform',
      render: (t) => {
        const platform = PLATFORMS[t.integration];
        const stored = platform ? t[platform.key] : null;
        if (!platform) return '—';
        if (!stored) return `${platform.title}: not set up`;
        const secret = stored.access_token || stored.refresh_token;
        return `${platform.title}${secret ? ` (token ${secret})` : ''}`;
      },
    },
  ],
});

export const campaignsPage = entityPage({
  title: 'Campaigns',
  noun: 'a campaign',
  path: '/campaigns',
  lead: 'A campaign joins a traffic channel to an offer. Its click URL goes into the channel’s ad.',
  extra: async () => {
    const [offers, channels] = await Promise.all([api('GET', '/offers'), api('GET', '/traffic-channels')]);
    return { offers: offers.items, channels: channels.items };
  },
  fields: ({ offers, channels }) => [
    { key: 'name', label: 'Name', required: true },
    {
      key: 'traffic_channel_id',
      label: 'Traffic channel',
      kind: 'select',
      required: true,
      options: () => [['', 'Choose…'], ...channels.map((c) => [c.id, c.name])],
    },
    {
      key: 'offer_id',
      label: 'Offer',
      kind: 'select',
      required: true,
      options: () => [['', 'Choose…'], ...offers.map((o) => [o.id, o.name])],
    },
    {
      key: 'cost_param',
      label: 'Cost parameter',
      nullable: true,
      hint: 'The click URL parameter your channel fills with each click’s price, e.g. cost for …?cost={bid}. Costs you enter later replace it. Empty: clicks cost nothing until you enter costs.',
    },
    {
      key: 'cost_currency',
      label: 'Currency of that cost',
      nullable: true,
      hint: 'Empty: the traffic channel’s currency, else the account currency.',
    },
  ],
  columns: ({ offers, channels }) => [
    { key: 'name', label: 'Name' },
    {
      key: 'traffic_channel_id',
      label: 'Traffic channel',
      render: (c) => (channels.find((x) => x.id === c.traffic_channel_id) || { name: c.traffic_channel_id }).name,
    },
    { key: 'offer_id', label: 'Offer', render: (c) => (offers.find((x) => x.id === c.offer_id) || { name: c.offer_id }).name },
    {
      key: 'click_url',
      label: 'Click URL',
      render: (c) =>
        h(
          'span',
          {},
          h('code', { class: 'wrap' }, c.click_url),
          ' ',
          copyButton(`Copy click URL of ${c.name}`, () => c.click_url),
        ),
    },
    {
      key: 'cost_param',
      label: 'Cost from',
      render: (c) => (c.cost_param ? h('code', {}, `${c.cost_param}=…${c.cost_currency ? ` (${c.cost_currency})` : ''}`) : 'cost updates'),
    },
  ],
});
