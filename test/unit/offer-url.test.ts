import { expect } from 'chai';
import { fillOfferUrl } from '../../services/receiver/offer-url.js';
import type { ClickJob } from '../../shared/queue/jobs.js';

const click: ClickJob = {
  clickid: '01ABC',
  ts: 0,
  campaign_id: 'cmp',
  offer_id: 'off',
  offer_source_id: 'src',
  traffic_channel_id: 'tc',
  external_id: 'ext 1&2',
  subs: { sub1: 'a/b' },
  ip: null,
  user_agent: null,
  requestId: 'r',
};

describe('offer URL macros', () => {
  it('when the offer URL has macros, then they are filled URL-encoded and unknown ones are kept', () => {
    const url = fillOfferUrl('https://o.example/?c={clickid}&e={external_id}&s={sub1}&s2={sub2}&x={other}', click);
    expect(url).to.equal('https://o.example/?c=01ABC&e=ext%201%262&s=a%2Fb&s2=&x={other}');
  });

  it('when a macro is named like an object member, then it is left as written', () => {
    expect(fillOfferUrl('https://o.example/?a={constructor}&b={__proto__}&c={hasownproperty}', click)).to.equal(
      'https://o.example/?a={constructor}&b={__proto__}&c={hasownproperty}',
    );
  });
});
