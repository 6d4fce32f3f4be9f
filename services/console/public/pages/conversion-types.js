// Conversion types: the event names exactly as networks send them, each with its duplicate mode and switches.
import { api } from '../api.js';
import { MODES, modeLine } from '../modes.js';
import { checkbox, field, h, messageArea, replace, section, select, table, uid, submitForm } from '../ui.js';

const MODE_OPTIONS = [['', "The offer source's mode"], ...MODES.map(([m, label]) => [m, label])];

/** Names that differ from `name` only in case or surrounding spaces: a network sending one would not match the other. */
export function lookAlikes(name, names) {
  const plain = name.trim().toLowerCase();
  return names.filter((n) => n !== name && n.trim().toLowerCase() === plain);
}

function nameWarnings(name, names) {
  const warnings = [];
  if (name !== name.trim()) warnings.push('The name starts or ends with a space: the network must send it exactly so, space included.');
  const like = lookAlikes(name, names);
  if (like.length)
    warnings.push(`Looks like ${like.map((n) => `“${n}”`).join(', ')}: names are case-sensitive, so these are different types.`);
  return warnings;
}

export async function conversionTypesPage(main, { account }) {
  const { items } = await api('GET', '/conversion-types');
  const names = items.map((t) => t.name);
  const journeyCount = items.filter((t) => t.journey).length;
  const limit = account.journey_type_limit;
  const message = messageArea();

  const name = h('input', { type: 'text', name: 'name', required: true, maxLength: 64, autocomplete: 'off', spellcheck: false });
  const warning = h('div', { class: 'warning', role: 'status', 'aria-live': 'polite' });
  name.addEventListener('input', () => {
    const warnings = nameWarnings(name.value, names);
    replace(
      warning,
      warnings.map((w) => h('p', {}, w)),
    );
  });
  const mode = select(MODE_OPTIONS, '', { name: 'duplicate_mode' });
  const modeHint = h('span', {}, 'Empty: the offer source decides.');
  mode.addEventListener('change', () => replace(modeHint, mode.value ? modeLine(mode.value) : 'Empty: the offer source decides.'));
  const journey = checkbox(
    'Customer Journey',
    false,
    `Counts as a step of the customer journey. At most ${limit} types may (JOURNEY_TYPE_LIMIT); ${journeyCount} do now.`,
  );
  const send = checkbox('Send to traffic channel', false, "Its conversions are sent to the click's traffic channel.");
  const inConversions = checkbox(
    'Counts in Conversions',
    true,
    'Counted in the Conversions column, so in CR and CPA. Off for an upsell or a lead you do not pay for; its own column still counts it.',
  );
  const inRevenue = checkbox('Counts in Revenue', true, 'Its payouts count in Revenue, so in profit, ROI and EPC.');

  const form = submitForm(
    { class: 'card', message: message },
    async () => {
      const created = await api('PUT', `/conversion-types/${encodeURIComponent(name.value)}`, {
        duplicate_mode: mode.value || null,
        journey: journey.box.checked,
        send_to_channel: send.box.checked,
        counts_in_conversions: inConversions.box.checked,
        counts_in_revenue: inRevenue.box.checked,
      });
      await conversionTypesPage(replace(main), { account });
      main.querySelector('.page-message')?.replaceWith(okMessage(`Conversion type “${created.name}” saved.`));
    },
    h('h2', {}, 'Add a conversion type'),
    field('Event name', name, 'Exactly as the network sends it in type= (case-sensitive, spaces count), e.g. Purchase.'),
    warning,
    field('Duplicate mode', mode, modeHint),
    journey.wrap,
    send.wrap,
    inConversions.wrap,
    inRevenue.wrap,
    h('button', { type: 'submit' }, 'Add conversion type'),
    message.el,
  );

  const rowMessage = messageArea();
  const save = async (type, change, control, revert) => {
    rowMessage.clear();
    try {
      const body = {
        duplicate_mode: type.duplicate_mode,
        journey: type.journey,
        send_to_channel: type.send_to_channel,
        counts_in_conversions: type.counts_in_conversions,
        counts_in_revenue: type.counts_in_revenue,
        ...change,
      };
      Object.assign(type, await api('PUT', `/conversion-types/${encodeURIComponent(type.name)}`, body));
      rowMessage.ok(`“${type.name}” saved.`);
    } catch (err) {
      revert();
      rowMessage.error(err);
      control.focus();
    }
  };
  /** A column of one switch per type, saved as soon as it is flipped (put back if the save is refused). */
  const switchColumn = (key, label, name) => ({
    key,
    label,
    render: (t) => {
      const box = h('input', { type: 'checkbox', checked: t[key], 'aria-label': name(t) });
      box.addEventListener('change', () => void save(t, { [key]: box.checked }, box, () => (box.checked = !box.checked)));
      return box;
    },
  });
  const columns = [
    { key: 'name', label: 'Name', render: (t) => h('code', {}, t.name) },
    {
      key: 'duplicate_mode',
      label: 'Duplicate mode',
      render: (t) => {
        const s = select(MODE_OPTIONS, t.duplicate_mode || '', { 'aria-label': `Duplicate mode of ${t.name}` });
        s.addEventListener('change', () => {
          const before = t.duplicate_mode || '';
          void save(t, { duplicate_mode: s.value || null }, s, () => (s.value = before));
        });
        return s;
      },
    },
    switchColumn('journey', 'Customer Journey', (t) => `Customer Journey for ${t.name}`),
    switchColumn('send_to_channel', 'Send to channel', (t) => `Send ${t.name} to the traffic channel`),
    switchColumn('counts_in_conversions', 'In Conversions', (t) => `${t.name} counts in Conversions`),
    switchColumn('counts_in_revenue', 'In Revenue', (t) => `${t.name} counts in Revenue`),
    {
      key: 'actions',
      label: 'Actions',
      render: (t) =>
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              if (!confirm(`Delete the conversion type “${t.name}”? Postbacks with type=${t.name} will then be rejected as unknown_type.`))
                return;
              try {
                await api('DELETE', `/conversion-types/${encodeURIComponent(t.name)}`);
                await conversionTypesPage(replace(main), { account });
              } catch (err) {
                rowMessage.error(err);
              }
            },
          },
          `Delete ${t.name}`,
        ),
    },
  ];

  const legendId = uid('modes');
  replace(
    main,
    h('h1', {}, 'Conversion types'),
    h(
      'p',
      { class: 'lead' },
      'A postback without type= is the main conversion. Every other event name the network sends (type=Purchase, type=Upsell…) must be added here first, exactly as sent; reports then show a column for each.',
    ),
    h('div', { class: 'page-message' }),
    form,
    section(
      'Your conversion types',
      h('p', {}, `Customer Journey: ${journeyCount} of ${limit} allowed (raise JOURNEY_TYPE_LIMIT for more).`),
      table(columns, items, {
        caption: 'Conversion types and their rules',
        empty: 'No conversion types yet: only main conversions are recorded.',
      }),
      rowMessage.el,
    ),
    section(
      'The six duplicate modes',
      h('p', { id: legendId }, "A type's own mode wins over its offer source's; without either, Create new."),
      h(
        'dl',
        { class: 'modes', 'aria-describedby': legendId },
        MODES.map(([m, label, line]) => [h('dt', {}, `${label} (${m})`), h('dd', {}, line)]),
      ),
    ),
  );
}

function okMessage(text) {
  return h('p', { class: 'message ok page-message', role: 'status' }, text);
}
