import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config: query termination settings', () => {
  it('defaults: 5 terminations per server per 10 minutes, 10 s to verify, no extra protected roles', () => {
    const c = loadConfig({});
    expect(c.terminationBudget).to.deep.equal({ max: 5, windowSeconds: 600 });
    expect(c.terminationVerifySeconds).to.equal(10);
    expect(c.terminationProtectedRoles).to.deep.equal([]);
  });

  it('reads TERMINATION_* and the termination failpoint', () => {
    const c = loadConfig({ TERMINATION_BUDGET_MAX: '2', TERMINATION_BUDGET_WINDOW_SECONDS: '60', TERMINATION_VERIFY_SECONDS: '0', TERMINATION_PROTECTED_ROLES: ' billing_admin, etl ,', INCIDENT_OPERATOR_FAILPOINT: 'exit-after-termination-intent' });
    expect(c.terminationBudget).to.deep.equal({ max: 2, windowSeconds: 60 });
    expect(c.terminationVerifySeconds).to.equal(0);
    expect(c.terminationProtectedRoles).to.deep.equal(['billing_admin', 'etl']);
    expect(c.failpoint).to.equal('exit-after-termination-intent');
    expect(loadConfig({ INCIDENT_OPERATOR_FAILPOINT: 'something-else' }).failpoint).to.equal(undefined);
  });

  it('refuses invalid values', () => {
    expect(() => loadConfig({ TERMINATION_BUDGET_MAX: '-1' })).to.throw(ConfigError, /TERMINATION_BUDGET_MAX/);
    expect(() => loadConfig({ TERMINATION_BUDGET_WINDOW_SECONDS: '0' })).to.throw(ConfigError, /TERMINATION_BUDGET_WINDOW_SECONDS/);
  });
});
