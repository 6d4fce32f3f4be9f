import { expect } from 'chai';
import { DUPLICATE_MODES, DUPLICATE_STATUSES } from '../../shared/domain/duplicate-modes.js';
import { resolveMode } from '../../shared/domain/duplicate-policy.js';
import { REVERSAL_REASONS } from '../../shared/domain/entities.js';
import { OUTCOMES, REJECT_REASONS } from '../../shared/domain/outcomes.js';
import { STATUSES } from '../../shared/domain/statuses.js';

interface ConsoleRules {
  MODES: Array<[string, string, string]>;
  STATUSES: string[];
  DUPLICATE_STATUSES: string[];
  REVERSAL_REASONS: string[];
  OUTCOMES: string[];
  REJECT_REASONS: string[];
  modeFor(type: string | null, types: object[], source: object | null): { mode: string; from: string };
}

// The console's scripts are plain browser modules; this one touches no DOM, so Node loads it as is.
const CONSOLE_RULES = '../../services/console/public/modes.js';

describe('what the console says of the rules matches the rules', () => {
  let rules: ConsoleRules;
  before(async () => {
    rules = (await import(CONSOLE_RULES)) as ConsoleRules;
  });

  it('when the console lists modes, statuses, outcomes and reasons, then they are exactly the ones the API takes', () => {
    expect(rules.MODES.map(([mode]) => mode).sort()).to.deep.equal([...DUPLICATE_MODES].sort());
    expect(rules.STATUSES).to.deep.equal([...STATUSES]);
    expect(rules.DUPLICATE_STATUSES).to.deep.equal([...DUPLICATE_STATUSES]);
    expect(rules.REVERSAL_REASONS).to.deep.equal([...REVERSAL_REASONS]);
    expect(rules.OUTCOMES).to.deep.equal([...OUTCOMES]);
    expect(rules.REJECT_REASONS).to.deep.equal([...REJECT_REASONS]);
  });

  it('when the console explains which duplicate mode applied, then it picks the mode the worker does (the type’s, else the source’s)', () => {
    const source = { name: 'Network', duplicate_mode: 'edit' };
    for (const typeMode of [null, ...DUPLICATE_MODES]) {
      const types = [{ name: 'Sale', duplicate_mode: typeMode }];
      const said = rules.modeFor('Sale', types, source);
      expect(said.mode).to.equal(resolveMode(typeMode, 'edit'));
      expect(said.from).to.include(typeMode ? 'conversion type “Sale”' : 'offer source “Network”');
    }
    expect(rules.modeFor(null, [], source)).to.deep.include({ mode: 'edit' });
  });
});
