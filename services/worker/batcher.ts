/**
 * Group commit: calls made while a batch is being run wait and go together in the
 * next one, so one store transaction (one disk sync) serves many jobs, and jobs of one
 * key in one process run one after another instead of racing. With nothing running, a
 * call starts a batch on the next turn of the event loop, so a lone call waits for no
 * timer.
 */
export interface Batcher<I, R> {
  submit(item: I): Promise<R>;
  /** Resolves when no batch is running or waiting. */
  idle(): Promise<void>;
}

export function createBatcher<I, R>(run: (items: I[]) => Promise<R[]>, maxBatch: number): Batcher<I, R> {
  let waiting: Array<{ item: I; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];
  let running: Promise<void> | null = null;
  const drain = async (): Promise<void> => {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const results = await run(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i] as R));
      } catch (err) {
        if (batch.length === 1) {
          batch[0]?.reject(err);
          continue;
        }
        // One bad item must not fail the others: each runs alone, and fails alone.
        for (const b of batch) await run([b.item]).then((r) => b.resolve(r[0] as R), b.reject);
      }
    }
  };
  const start = (): void => {
    if (running) return;
    running = new Promise<void>((resolve) => setImmediate(resolve)).then(drain).finally(() => {
      running = null;
      if (waiting.length > 0) start();
    });
  };
  return {
    submit: (item) =>
      new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        start();
      }),
    idle: async () => {
      while (running) await running;
    },
  };
}
