import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The lint's cycle rule skips type-only imports; this reads every import, types included.
const ROOT = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'public' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's relative imports (static, dynamic and type-only), as repository paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sources(join(ROOT, 'services')), ...sources(join(ROOT, 'shared'))]) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)].map((m) =>
      relative(ROOT, resolve(dirname(file), `${m[1] ?? ''}.ts`)),
    );
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

/** Every cycle's files, found by a depth-first walk (each cycle reported once, from where the walk met it). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the import graph', () => {
  const graph = importGraph();

  it('when every import is counted, types included, then no two files import each other, directly or round about', () => {
    expect(graph.size).to.be.greaterThan(100);
    expect(cycles(graph)).to.deep.equal([]);
  });

  it('when a service needs what another service has, then it takes it from shared/, never from the other service', () => {
    // The console's pages are served by the report process: its router is the one way in.
    const allowed = new Set(['services/report/app.ts → services/console/console-router.ts']);
    const serviceOf = (file: string): string | null => /^services\/([^/]+)\//.exec(file)?.[1] ?? null;
    const crossing = [...graph]
      .flatMap(([file, targets]) =>
        targets
          .filter((target) => {
            const from = serviceOf(file);
            const to = serviceOf(target);
            return (file.startsWith('shared/') && target.startsWith('services/')) || (from !== null && to !== null && from !== to);
          })
          .map((target) => `${file} → ${target}`),
      )
      .filter((edge) => !allowed.has(edge));
    expect(crossing).to.deep.equal([]);
  });
});
