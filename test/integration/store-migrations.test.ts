import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { processPostback } from '../../services/worker/process-postback.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../shared/store/sqlite/migrations.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildPostbackJob } from '../helpers/builders.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURE = 'test/fixtures/store-fe847e7.sql';
const ROUNDS = 5;
const PROCESSES = 4;

/** A file as an earlier release left it. */
function oldFile(path: string): void {
  const db = new BetterSqlite3(path);
  db.exec(readFileSync(FIXTURE, 'utf8'));
  db.close();
}
const versionOf = (path: string): number => {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
};

/** PROCESSES processes open `path` at the same moment and each writes a click; resolves with their exit codes and output. */
async function openTogether(path: string, round: number): Promise<Array<{ code: number | null; output: string }>> {
  const at = Date.now() + 2_500;
  return Promise.all(
    Array.from(
      { length: PROCESSES },
      (_, i) =>
        new Promise<{ code: number | null; output: string }>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/open-store.ts', path, String(at), `r${round}-p${i}`], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let output = '';
          child.stdout.on('data', (d: Buffer) => (output += d.toString()));
          child.stderr.on('data', (d: Buffer) => (output += d.toString()));
          child.on('exit', (code) => resolve({ code, output }));
        }),
    ),
  );
}

describe('the embedded store’s migrations', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('when the steps are listed, then they are numbered 1, 2, 3… with a name each', () => {
    expect(MIGRATIONS.map((m) => m.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
    for (const m of MIGRATIONS) expect(m.name).to.be.a('string').and.not.equal('');
  });

  it('when a file written by an earlier release opens, then it is migrated to the current schema and keeps its clicks, conversions, log and duplicate history', async () => {
    const path = join(dir.path, 'old.db');
    oldFile(path);
    expect(versionOf(path)).to.equal(0);
    let store: Store = createSqliteStore(path);
    try {
      const range = { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 10, 4) };
      const [clicks] = await store.aggregateClicks([], range, {});
      expect(clicks?.count).to.equal(3);
      const conversions = await store.aggregateConversions(['status'], range, {});
      const revenue = Object.fromEntries(conversions.map((r) => [r.key.status, [r.count, r.revenueMicros]]));
      expect(revenue).to.deep.equal({ approved: [3, 19_600_000n], pending: [1, 7_250_000n] });
      const log = await store.listPostbacks({}, { limit: 10, cursor: null });
      expect(log.items.map((e) => e.outcome).sort()).to.deep.equal(['recorded', 'recorded', 'recorded', 'recorded', 'rejected']);
      expect(log.items.every((e) => !e.test)).to.equal(true);

      // The whole ledgers became heads: the next postback of k1's key follows its history (create_new: a third conversion).
      const deps = { store, rules: loadConfig({}).rules, settings: createSettingsCache(store, {}) };
      const result = await processPostback(deps, '01JBX0000000000000000000B1', buildPostbackJob({ clickid: 'k1', payout: '1' }));
      expect(result.kind === 'settled' && result.entry.outcome).to.equal('recorded');
      expect((await store.listConversions({ clickid: 'k1' }, { limit: 10, cursor: null })).items).to.have.length(3);
      // And the columns added since work: a reversal.
      const reversed = await store.reverseConversion({
        match: { id: '01JBX0000000000000000000A2' },
        reversal: { reason: 'refund', reversed_at: Date.now(), source: 'api', postback_id: null, request_id: 'r1', ip: null, note: null },
        entry: null,
      });
      expect(reversed.kind).to.equal('reversed');
    } finally {
      await store.close();
    }
    expect(versionOf(path)).to.equal(SCHEMA_VERSION);
    // Opened again: nothing left to do, nothing lost.
    store = createSqliteStore(path);
    expect((await store.listConversions({}, { limit: 10, cursor: null })).items).to.have.length(5);
    await store.close();
  });

  it('when a file from a newer convtrack opens, then it is refused, not written', () => {
    const path = join(dir.path, 'newer.db');
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${String(SCHEMA_VERSION + 1)}`);
    db.close();
    expect(() => createSqliteStore(path)).to.throw(/newer than this convtrack/);
  });

  for (const kind of ['new', 'old'] as const)
    it(`when ${String(PROCESSES)} processes open one ${kind} file at the same moment (${String(ROUNDS)} rounds), then each starts, writes, and the file ends at the current schema`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const path = join(dir.path, `${kind}-${String(round)}.db`);
        if (kind === 'old') oldFile(path);
        const exits = await openTogether(path, round);
        for (const [i, exit] of exits.entries())
          expect(exit.code, `round ${String(round)}, process ${String(i)}:\n${exit.output}`).to.equal(0);
        expect(versionOf(path)).to.equal(SCHEMA_VERSION);
        const store = createSqliteStore(path);
        for (let i = 0; i < PROCESSES; i++)
          expect(await store.getClick(`r${String(round)}-p${String(i)}`), `click of process ${String(i)}`).to.not.equal(null);
        await store.close();
      }
    });
});
