import { expect } from 'chai';
import { createBatcher } from '../../services/worker/batcher.js';

describe('group commit', () => {
  it('when calls arrive while a batch runs, then they wait and go together in the next one', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const batcher = createBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((n) => n * 10);
    }, 100);
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    release();
    expect(await Promise.all([first, ...rest])).to.deep.equal([10, 20, 30, 40]);
    expect(batches).to.deep.equal([[1], [2, 3, 4]]);
  });

  it('when one item of a batch fails, then only its caller gets the error', async () => {
    const batcher = createBatcher<number, number>((items) => {
      if (items.includes(13)) return Promise.reject(new Error('unlucky'));
      return Promise.resolve(items);
    }, 100);
    const results = await Promise.allSettled([1, 13, 2].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
  });
});
