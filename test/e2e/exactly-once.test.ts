import { expect } from 'chai';
import request from 'supertest';
import { DUPLICATE_MODES, type DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import type { Store } from '../../shared/store/store.js';
import { expectExactlyOnce, type SentPostback } from '../helpers/mode-invariants.js';
import type { ReceiverHarness } from '../helpers/receiver-harness.js';
import { clickFor, type Seeded } from '../helpers/seed.js';
import { crashFixture } from '../helpers/crash-fixture.js';
import { keepKilling } from '../helpers/worker-processes.js';

async function storeClicks(store: Store, seeded: Seeded, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const click = clickFor(seeded);
    await store.insertClick(click);
    ids.push(click.clickid);
  }
  return ids;
}

/** Sends one postback; resolves with what was sent once it was acknowledged (200). */
async function send(receiver: ReceiverHarness, p: Omit<SentPostback, 'id'>): Promise<SentPostback> {
  const payout = (p.payoutMicros / 1_000_000).toFixed(6);
  const query = `clickid=${p.clickid}&type=${p.type}&sum=${payout}&status=${p.status}&event_id=${p.eventId}&sub1=${p.sub1}`;
  const res = await request(receiver.app).get(`/postback?${query}`);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return { ...p, id: res.body.id as string };
}

async function waitUntilLogged(store: Store, sent: SentPostback[], timeoutMs: number, context: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  let pending = sent;
  while (pending.length) {
    const logged = await Promise.all(pending.map(async (s) => (await store.getPostback(s.id)) !== null));
    pending = pending.filter((_, i) => !logged[i]);
    if (pending.length && Date.now() > until) throw new Error(`${pending.length} postbacks never logged\n${context().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('exactly once: 50 postbacks for one click and type at once, two worker processes', function () {
  this.timeout(60_000);
  const state = crashFixture();

  it('when 50 postbacks per mode arrive at the same moment, then every mode ends as if they were applied one after another', async () => {
    const [clickid] = await storeClicks(state.store, state.seeded, 1);
    const burst = DUPLICATE_MODES.flatMap((mode) =>
      Array.from({ length: 50 }, (_, i) => ({
        clickid: clickid as string,
        type: mode,
        mode,
        payoutMicros: (i + 1) * 1_000_000 + 1,
        status: STATUSES[i % 4] as SentPostback['status'],
        eventId: 'E-same',
        sub1: `s${i}`,
      })),
    );
    const sent = await Promise.all(burst.map((p) => send(state.receiver, p)));
    await waitUntilLogged(state.store, sent, 45_000, state.workers.output);
    await expectExactlyOnce(state.store, sent);
  });
});

describe('exactly once: workers SIGKILLed mid-burst and restarted', function () {
  this.timeout(180_000);
  const state = crashFixture();

  it('when 2,000 postbacks across all modes meet at least five worker crashes, then every acknowledged one is applied exactly once', async () => {
    const clicks = await storeClicks(state.store, state.seeded, 30);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
    const planned = Array.from({ length: 2000 }, (_, i) => {
      const mode: DuplicateMode = pick(DUPLICATE_MODES);
      return {
        clickid: pick(clicks),
        type: mode,
        mode,
        payoutMicros: 1_000_000 + i,
        status: pick(STATUSES),
        eventId: `E${i % 40}`,
        sub1: `s${i}`,
      };
    });

    const killer = keepKilling(state.workers);

    const sent: SentPostback[] = [];
    for (let offset = 0; offset < planned.length; offset += 50) {
      sent.push(...(await Promise.all(planned.slice(offset, offset + 50).map((p) => send(state.receiver, p)))));
    }
    const kills = await killer.stop();
    expect(kills).to.be.at.least(5);
    await waitUntilLogged(state.store, sent, 120_000, state.workers.output);
    await expectExactlyOnce(state.store, sent);
  });
});
