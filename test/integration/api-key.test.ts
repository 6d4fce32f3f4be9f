import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);

describe('the generated API key', function () {
  this.timeout(60_000);

  it('when four processes start on a new data folder at the same moment (3 rounds), then they all use the one key the file keeps', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      try {
        const at = String(Date.now() + 2_000);
        const keys = await Promise.all(
          Array.from(
            { length: 4 },
            async () => (await run(process.execPath, ['--import', 'tsx', 'test/helpers/resolve-key.ts', dir.path, at])).stdout,
          ),
        );
        const kept = readFileSync(join(dir.path, 'api-key'), 'utf8').trim();
        expect(kept).to.have.length.greaterThan(20);
        expect(keys, `round ${String(round)}`).to.deep.equal([kept, kept, kept, kept]);
      } finally {
        dir.remove();
      }
    }
  });
});
