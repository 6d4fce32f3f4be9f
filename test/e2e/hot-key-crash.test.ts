import { expect } from 'chai';
import request from 'supertest';
import { foldLedger, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import { dimensionsOf } from '../../shared/domain/entities.js';
import { allConversions } from '../helpers/mode-invariants.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { crashFixture } from '../helpers/crash-fixture.js';
import { keepKilling } from '../helpers/worker-processes.js';

const POSTBACKS = 5000;

describe('exactly once on one hot key: 5,000 postbacks, workers SIGKILLed and restarted', function () {
  this.timeout(240_000);
  const state = crashFixture();

  it('when 5,000 edit postbacks for one click meet worker crashes, then the conversion and every outcome equal the pure fold of what was acknowledged', async () => {
    const { store, receiver, workers } = state;
    const seeded = await seedCampaign(store, { source: { duplicate_mode: 'edit' } });
    const click = clickFor(seeded);
    await store.insertClick(click);
    const statuses = ['pending', 'approved', 'declined', 'other'] as const;

    const killer = keepKilling(workers);
    const sent: LedgerEntry[] = [];
    for (let offset = 0; offset < POSTBACKS; offset += 100) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, async (_, j) => {
          const n = offset + j;
          // Every postback changes the payout and sub1; only some carry a status, so "what it doesn't carry is kept" is tested too.
          const status = n % 3 === 0 ? (statuses[n % 4] ?? null) : null;
          const res = await request(receiver.app).get(
            `/postback?clickid=${click.clickid}&sum=${n + 1}.5&sub1=s${n}${status ? `&status=${status}` : ''}`,
          );
          expect(res.status, JSON.stringify(res.body)).to.equal(200);
          return { n, status, id: res.body.id as string };
        }),
      );
      for (const a of answers) {
        sent.push({
          id: a.id,
          received_at: 0,
          mode: 'edit',
          clickid: click.clickid,
          type: null,
          click: dimensionsOf(click),
          carried: {
            status: a.status,
            payout_micros: (a.n + 1) * 1_000_000 + 500_000,
            currency: null,
            event_id: null,
            subs: { sub1: `s${a.n}` },
          },
          defaults: { status: 'approved', payout_micros: seeded.offer.payout_micros, currency: 'USD' },
        });
      }
    }
    // Crashes go on while the backlog drains, until most of it is applied.
    const until = Date.now() + 180_000;
    let kills: number | null = null;
    for (;;) {
      const logged = (await store.getPostbacks(sent.map((s) => s.id))).size;
      if (kills === null && logged >= POSTBACKS * 0.8) kills = await killer.stop();
      if (logged === POSTBACKS && kills !== null) break;
      if (Date.now() > until) throw new Error(`${POSTBACKS - logged} postbacks never logged\n${workers.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(kills).to.be.at.least(5);

    const fold = foldLedger(sent);
    const [conversion, ...others] = await allConversions(store);
    expect(others).to.deep.equal([]);
    const expected = fold.conversions[0];
    expect(conversion, 'one conversion, made by the first postback').to.deep.include({
      id: expected?.id,
      status: expected?.status,
      payout_micros: expected?.payout_micros,
      subs: expected?.subs,
    });
    expect(conversion?.postback_ids, 'every postback applied once').to.deep.equal([...sent].map((s) => s.id).sort());
    const logged = await store.getPostbacks(sent.map((s) => s.id));
    const mismatched = sent.filter((s) => logged.get(s.id)?.outcome !== fold.outcomes.get(s.id)?.outcome);
    expect(mismatched.length, 'outcomes that differ from the fold').to.equal(0);
    console.log(`      NOTE: ${POSTBACKS} postbacks on one key, ${kills} worker crashes`);
  });
});
