import { startTestRedis, type TestRedis } from './redis-server.js';

let shared: TestRedis | undefined;

/** The run's redis-server; each test isolates itself with its own queue prefix. */
export function testRedisUrl(): string {
  if (!shared) throw new Error('the test redis-server is not running');
  return shared.url;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(20_000);
    shared = await startTestRedis();
  },
  async afterAll() {
    await shared?.destroy();
  },
};
