// Customer journeys: one click's steps, and the funnel of the journey types.
import { api, query } from '../api.js';
import { field, h, replace, section, select, show, table, when } from '../ui.js';

export async function journeysPage(main, { params }) {
  const campaigns = await api('GET', '/campaigns');
  const clickid = h('input', { type: 'text', name: 'clickid', value: params.get('clickid') || '', spellcheck: false, required: true });
  const lookup = h(
    'form',
    {
      class: 'card',
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams(params);
        next.set('clickid', clickid.value.trim());
        location.hash = `#/journeys?${next.toString()}`;
      },
    },
    field('Click ID', clickid),
    h('button', { type: 'submit' }, 'Show journey'),
  );
  let journey = null;
  if (params.get('clickid')) {
    try {
      const found = await api('GET', `/journeys/${encodeURIComponent(params.get('clickid'))}`);
      journey = h(
        'div',
        {},
        h(
          'p',
          {},
          `Click ${found.click.clickid} at ${when(found.click.at)}, campaign ${show((campaigns.items.find((c) => c.id === found.click.campaign_id) || {}).name || found.click.campaign_id)}.`,
        ),
        table(
          [
            { key: 'type', label: 'Step' },
            { key: 'status', label: 'Status' },
            { key: 'payout', label: 'Payout', numeric: true },
            { key: 'at', label: 'At', render: (e) => when(e.at) },
            { key: 'seconds_since_click', label: 'Seconds after the click', numeric: true },
          ],
          found.events,
          { caption: `Journey of click ${found.click.clickid}`, empty: 'This click has no conversion of a journey type yet.' },
        ),
      );
    } catch (err) {
      journey = h('p', { class: 'message error', role: 'alert' }, err.message);
    }
  }

  const campaign = select([['', 'all campaigns'], ...campaigns.items.map((c) => [c.id, c.name])], params.get('campaign') || '', {
    name: 'campaign',
  });
  campaign.addEventListener('change', () => {
    const next = new URLSearchParams(params);
    if (campaign.value) next.set('campaign', campaign.value);
    else next.delete('campaign');
    location.hash = `#/journeys?${next.toString()}`;
  });
  const funnel = await api('GET', `/journeys/funnel${query({ campaign: params.get('campaign') })}`);
  replace(
    main,
    h('h1', {}, 'Journeys and funnel'),
    h(
      'p',
      { class: 'lead' },
      'The conversion types marked Customer Journey are the steps of a visitor’s path after the click (e.g. Lead, then Purchase).',
    ),
    section('One click', lookup, journey),
    section(
      'Funnel',
      field('Campaign', campaign),
      table(
        [
          { key: 'type', label: 'Step' },
          { key: 'clicks', label: 'Clicks reaching it', numeric: true },
          { key: 'rate_from_previous', label: 'Rate from the step before, %', numeric: true },
        ],
        [{ type: 'Clicks', clicks: funnel.clicks, rate_from_previous: null }, ...funnel.steps],
        { caption: 'Journey funnel', empty: 'No journey types: mark types as Customer Journey under Conversion types.' },
      ),
    ),
  );
}
