// Costs: spread a cost over a campaign's clicks in a range, undo the last one, upload a CSV of them.
import { api } from '../api.js';
import { field, h, messageArea, replace, section, select, show, table, when, submitForm } from '../ui.js';

export async function costsPage(main, { account }) {
  const [campaigns, costs] = await Promise.all([api('GET', '/campaigns'), api('GET', '/costs?limit=100')]);
  const nameOf = (id) => (campaigns.items.find((c) => c.id === id) || { name: id }).name;
  const options = [['', 'Choose…'], ...campaigns.items.map((c) => [c.id, c.name])];
  const message = messageArea();
  const refresh = async (text) => {
    await costsPage(replace(main), { account });
    main.querySelector('.page-message').append(h('p', { class: 'message ok', role: 'status' }, text));
  };
  const today = new Date().toISOString().slice(0, 10);

  const campaign = select(options, '', { name: 'campaign_id', required: true });
  const from = h('input', { type: 'date', name: 'from', value: today, required: true });
  const to = h('input', { type: 'date', name: 'to', value: today, required: true });
  const tz = h('input', { type: 'text', name: 'tz', value: 'UTC', spellcheck: false });
  const cost = h('input', { type: 'text', name: 'cost', inputMode: 'decimal', required: true, placeholder: '125.50' });
  const currency = h('input', { type: 'text', name: 'currency', maxLength: 3, placeholder: account.currency });
  const enter = submitForm(
    { class: 'card', message: message },
    async () => {
      const queued = await api('POST', '/costs', {
        campaign_id: campaign.value,
        from: from.value,
        to: to.value,
        tz: tz.value || 'UTC',
        cost: cost.value,
        ...(currency.value ? { currency: currency.value.toUpperCase() } : {}),
      });
      await refresh(`Cost update ${queued.id} queued: it is spread over the campaign’s clicks in that range in a moment.`);
    },
    h('h2', {}, 'Enter a cost'),
    field('Campaign', campaign),
    field('From', from),
    field('To', to),
    field('Time zone', tz, 'The zone the dates are in.'),
    field('Cost', cost, 'The whole amount for the range, spread evenly over its clicks; a later update for the same range replaces it.'),
    field('Currency', currency, `Empty: ${account.currency}.`),
    h('button', { type: 'submit' }, 'Enter cost'),
    message.el,
  );

  const undoCampaign = select(options, '', { name: 'undo_campaign', required: true });
  const undoMessage = messageArea();
  const undo = submitForm(
    { class: 'card', message: undoMessage },
    async () => {
      const queued = await api('POST', '/costs/undo', { campaign_id: undoCampaign.value });
      await refresh(`Undo ${queued.id} queued.`);
    },
    h('h2', {}, 'Undo the last cost update'),
    field('Campaign', undoCampaign),
    h('button', { type: 'submit', class: 'secondary' }, 'Undo last cost update'),
    undoMessage.el,
  );

  const file = h('input', { type: 'file', name: 'csv', accept: '.csv,text/csv', required: true });
  const csvTz = h('input', { type: 'text', name: 'csv_tz', value: 'UTC', spellcheck: false });
  const uploadMessage = messageArea();
  const upload = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        const chosen = file.files && file.files[0];
        if (!chosen) return;
        try {
          const answer = await api('POST', `/costs/bulk?tz=${encodeURIComponent(csvTz.value || 'UTC')}`, {
            text: await chosen.text(),
            type: 'text/csv',
          });
          const count = Array.isArray(answer.items) ? answer.items.length : answer.queued;
          await refresh(`${show(count)} cost update${count === 1 ? '' : 's'} queued from ${chosen.name}.`);
        } catch (err) {
          uploadMessage.error(err);
        }
      },
    },
    h('h2', {}, 'Upload a CSV'),
    field('CSV file', file, 'A header line campaign_id,date,cost[,currency], then one line per campaign and day.'),
    field('Time zone of its dates', csvTz),
    h('button', { type: 'submit', class: 'secondary' }, 'Upload costs'),
    uploadMessage.el,
  );

  replace(
    main,
    h('h1', {}, 'Costs'),
    h('p', { class: 'lead' }, 'What traffic cost, spread over its clicks: reports then show cost, profit and ROI.'),
    h('div', { class: 'page-message' }),
    h('div', { class: 'cards' }, enter, undo, upload),
    section(
      'Cost updates',
      table(
        [
          { key: 'requested_at', label: 'Requested', render: (c) => when(c.requested_at) },
          { key: 'kind', label: 'Kind' },
          { key: 'campaign_id', label: 'Campaign', render: (c) => nameOf(c.campaign_id) },
          { key: 'state', label: 'State' },
          { key: 'cost', label: 'Cost', numeric: true },
          { key: 'clicks', label: 'Clicks', numeric: true },
          { key: 'message', label: 'What happened', render: (c) => show(c.message) },
        ],
        costs.items,
        { caption: 'Cost updates and undos, the newest first', empty: 'No cost updates yet.' },
      ),
    ),
  );
}
