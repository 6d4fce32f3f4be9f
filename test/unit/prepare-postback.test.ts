import { expect } from 'chai';
import { preparePostback, type PrepareInput } from '../../services/worker/prepare-postback.js';
import type { Settings } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import { hashToken } from '../../shared/domain/token.js';
import { buildClick, buildLogEntry, buildPostbackJob } from '../helpers/builders.js';

const click = buildClick({ offer_source_id: 'src', offer_id: 'off' });
const settings: Settings = {
  version: 1,
  types: new Map([['Sale', { name: 'Sale', duplicate_mode: 'ignore', journey: false, send_to_channel: false, created_at: 0 }]]),
  sources: new Map([
    [
      'src',
      {
        id: 'src',
        name: 'N',
        currency: null,
        default_status: 'pending',
        duplicate_mode: 'edit',
        postback_token: 'tok-of-src-1',
        ip_allowlist: ['198.51.100.0/24'],
        test_mode: false,
        created_at: 0,
      },
    ],
  ]),
  offers: new Map([
    ['off', { id: 'off', name: 'O', url: 'https://o.example', offer_source_id: 'src', payout_micros: 2_000_000, created_at: 0 }],
  ]),
  channels: new Map(),
  rates: { EUR: '1.1' },
};
const rules = { ...loadConfig({}).rules, unknownClickidWindowMs: 60_000 };
const input = (overrides: Partial<PrepareInput> = {}, params: Record<string, unknown> = {}): PrepareInput => ({
  id: '01JPOSTBACK0000000000000001',
  job: buildPostbackJob(
    { clickid: click.clickid, token_hash: hashToken('tok-of-src-1'), ...params },
    { receivedAt: 1_000_000, ip: '198.51.100.9' },
  ),
  waits: 0,
  now: 1_000_500,
  earlier: null,
  click,
  settings,
  rules,
  ...overrides,
});
const reason = (p: ReturnType<typeof preparePostback>) => (p.kind === 'reject' ? p.entry.reason : p.kind);

describe('preparing a postback: the rules before its ledger, without Redis or a store', () => {
  it('when it was logged before, then it is settled as it was (a retried job); a replay of a rejection runs again', () => {
    const earlier = buildLogEntry({ outcome: 'recorded' });
    expect(preparePostback(input({ earlier }))).to.deep.equal({ kind: 'settled', entry: earlier });
    const rejected = buildLogEntry({ outcome: 'rejected', reason: 'unknown_type' });
    const replay = input({ earlier: rejected, job: { ...input().job, replayOf: rejected.id } });
    expect(preparePostback(replay).kind).to.equal('apply');
  });

  it('when its click is not stored yet, then it waits with a doubling step inside the window and is rejected after it', () => {
    expect(preparePostback(input({ click: null, waits: 3 }))).to.deep.equal({ kind: 'wait', retryInMs: 8000 });
    expect(reason(preparePostback(input({ click: null, now: 1_000_000 + 60_000 })))).to.equal('unknown_clickid');
  });

  it('when the type, token, sender or currency is wrong, then it is rejected with that reason', () => {
    expect(reason(preparePostback(input({}, { type: 'Lead' })))).to.equal('unknown_type');
    expect(reason(preparePostback(input({}, { token_hash: hashToken('another') })))).to.equal('token_mismatch');
    expect(reason(preparePostback(input({ job: { ...input().job, ip: '203.0.113.1' } })))).to.equal('ip_not_allowed');
    expect(reason(preparePostback(input({}, { payout: '5', currency: 'GBP' })))).to.equal('unknown_currency');
    expect(
      reason(preparePostback(input({ job: { ...input().job, params: null, invalid: [{ field: 'sum', message: 'sum is bad' }] } }))),
    ).to.equal('invalid_params');
  });

  it("when it passes, then its entry carries the converted payout, the source's defaults, the type's mode, and its key", () => {
    const sale = preparePostback(input({}, { type: 'Sale', payout: '10', currency: 'EUR' }));
    if (sale.kind !== 'apply') throw new Error(sale.kind);
    expect(sale.entry.mode, "the type's mode prevails").to.equal('ignore');
    expect(sale.entry.carried.payout).to.deep.equal({
      micros: 11_000_000,
      original_micros: 10_000_000,
      original_currency: 'EUR',
      rate: '1.1',
    });
    expect(sale.entry.defaults).to.deep.include({ status: 'pending', payout_micros: 2_000_000 });
    expect(sale.key).to.equal(JSON.stringify(['click', click.clickid, 'Sale']));
    const main = preparePostback(input());
    expect(main.kind === 'apply' && main.entry.mode, "the source's mode otherwise").to.equal('edit');
  });
});
