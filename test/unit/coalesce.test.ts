import { expect } from 'chai';
import { coalescePostbacks } from '../../services/receiver/coalesce.js';
import type { PostbackBatchJob, PostbackJob } from '../../shared/queue/jobs.js';

const job = (n: number): PostbackJob => ({
  receivedAt: n,
  requestId: `r${n}`,
  method: 'GET',
  ip: null,
  raw: { clickid: `c${n}` },
  params: null,
  invalid: null,
});

/** Writes that finish when the test says so, recording what was written. */
function writes() {
  const log: Array<{ id: string; postbacks: string[]; finish: (err?: Error) => void }> = [];
  const record =
    <T>(ids: (id: string, data: T) => string[]) =>
    (id: string, data: T): Promise<void> =>
      new Promise((resolve, reject) => log.push({ id, postbacks: ids(id, data), finish: (err) => (err ? reject(err) : resolve()) }));
  return {
    log,
    one: record<PostbackJob>((id) => [id]),
    batch: record<PostbackBatchJob>((_id, data) => data.postbacks.map((p) => p.id)),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('receiver: postbacks coalesced into jobs', () => {
  it('when a postback arrives alone, then it is written at once as its own job under its own id', async () => {
    const w = writes();
    const enqueue = coalescePostbacks(w.one, w.batch, { maxBatch: 100, maxInFlight: 2 });
    let answered = false;
    const done = enqueue('01A', job(1)).then(() => (answered = true));
    await turn();
    expect(w.log.map((l) => [l.id, l.postbacks])).to.deep.equal([['01A', ['01A']]]);
    expect(answered, 'answered before Redis took the job').to.equal(false);
    w.log[0]?.finish();
    await done;
    expect(answered).to.equal(true);
  });

  it('when postbacks arrive while every write is under way, then they go in one batch job, each answered only once it is written', async () => {
    const w = writes();
    const enqueue = coalescePostbacks(w.one, w.batch, { maxBatch: 3, maxInFlight: 1 });
    const answered: string[] = [];
    const send = (id: string, n: number) => enqueue(id, job(n)).then(() => answered.push(id));
    const first = send('01A', 1);
    await turn();
    const rest = ['01B', '01C', '01D', '01E'].map((id, i) => send(id, i + 2));
    await turn();
    expect(w.log.map((l) => l.postbacks)).to.deep.equal([['01A']]);
    w.log[0]?.finish();
    await first;
    await turn();
    // The waiting four: a batch of three (maxBatch), then the fourth once that write returns.
    expect(w.log.map((l) => [l.id, l.postbacks])).to.deep.equal([
      ['01A', ['01A']],
      ['01B-b3', ['01B', '01C', '01D']],
    ]);
    expect(answered).to.deep.equal(['01A']);
    w.log[1]?.finish();
    await turn();
    expect(answered).to.deep.equal(['01A', '01B', '01C', '01D']);
    expect(w.log[2]?.postbacks).to.deep.equal(['01E']);
    w.log[2]?.finish();
    await Promise.all(rest);
  });

  it('when a batch write fails, then every postback in it gets the error and none is answered as queued', async () => {
    const w = writes();
    const enqueue = coalescePostbacks(w.one, w.batch, { maxBatch: 100, maxInFlight: 1 });
    const first = enqueue('01A', job(1));
    await turn();
    const outcomes = ['01B', '01C'].map((id, i) =>
      enqueue(id, job(i + 2)).then(
        () => 'queued',
        (err: unknown) => (err as Error).message,
      ),
    );
    w.log[0]?.finish();
    await first;
    await turn();
    w.log[1]?.finish(new Error('OOM command not allowed'));
    expect(await Promise.all(outcomes)).to.deep.equal(['OOM command not allowed', 'OOM command not allowed']);
  });
});
