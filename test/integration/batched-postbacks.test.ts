import { expect } from 'chai';
import request from 'supertest';
import { isPostbackBatch } from '../../shared/queue/jobs.js';
import type { Click } from '../../shared/domain/entities.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';

describe('postbacks arriving together: batch jobs', function () {
  this.timeout(30_000);
  let pipeline: Pipeline;
  let seeded: Seeded;
  const newClick = (): Click => clickFor(seeded);

  before(async () => {
    pipeline = await startPipeline({ unknownClickidWindowMs: 20_000 });
    seeded = await seedCampaign(pipeline.store);
  });
  after(async () => pipeline.close());

  it('when 150 postbacks arrive at once, some for clicks not stored yet, then each is applied once and those wait for their click alone', async () => {
    const stored = Array.from({ length: 140 }, newClick);
    await pipeline.store.insertClicks(stored);
    const late = Array.from({ length: 10 }, newClick);
    const answers = await Promise.all(
      [...stored, ...late].map((click, i) =>
        request(pipeline.receiver.app)
          .get(`/postback?clickid=${click.clickid}&sum=${i + 1}.25&status=approved`)
          .expect(200),
      ),
    );
    const ids = answers.map((res) => res.body.id as string);

    const jobs = await pipeline.receiver.postbacks.getJobs(['completed', 'active', 'waiting'], 0, -1);
    expect(
      jobs.some((job) => isPostbackBatch(job.data)),
      'no batch job was made',
    ).to.equal(true);

    // Everything on a stored click is applied while the late ones wait.
    await Promise.all(ids.slice(0, 140).map((id) => pipeline.workers.completed(id, 15_000)));
    for (const [i, click] of stored.entries()) {
      const { items } = await pipeline.store.listConversions({ clickid: click.clickid }, { limit: 10, cursor: null });
      expect(
        items.map((c) => [c.payout_micros, c.postback_ids]),
        click.clickid,
      ).to.deep.equal([[(i + 1) * 1_000_000 + 250_000, [ids[i]]]]);
    }
    const lateIds = ids.slice(140);
    expect(await Promise.all(lateIds.map((id) => pipeline.store.getPostback(id)))).to.deep.equal(lateIds.map(() => null));

    await pipeline.store.insertClicks(late);
    await Promise.all(lateIds.map((id) => pipeline.workers.completed(id, 15_000)));
    for (const [i, id] of lateIds.entries())
      expect(await pipeline.store.getPostback(id), id).to.deep.include({ outcome: 'recorded', clickid: late[i]?.clickid });
  });
});
