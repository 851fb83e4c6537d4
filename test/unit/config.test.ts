import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config: loadConfig(env)', () => {
  it('has the runbook defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.acknowledgeMinutes).to.equal(15);
    expect(c.responseMinutes).to.deep.equal({});
    expect(c.lease).to.deep.equal({ name: 'incident-operator', durationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(c.rollbackRateLimit).to.deep.equal({ max: 1, windowSeconds: 600 });
    expect(c.autoRollbackLabel).to.equal('runbook.dev/auto-rollback');
    expect(c.autoRollbackValue).to.equal('enabled');
    expect(c.dryRun).to.equal(false);
    expect(c.watchNamespaces).to.equal(undefined);
    expect(c.maxBackoffMs).to.be.at.most(60_000);
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['non-integer worker count', { WORKERS: 'many' }, /WORKERS/],
    ['worker count out of range', { WORKERS: '0' }, /WORKERS/],
    ['backoff cap above 60 s', { MAX_BACKOFF_MS: '120000' }, /MAX_BACKOFF_MS/],
    ['boolean that is not one', { DRY_RUN: 'maybe' }, /DRY_RUN/],
    ['renew deadline not shorter than the lease', { LEASE_DURATION_MS: '5000', LEASE_RENEW_DEADLINE_MS: '5000' }, /LEASE_RENEW_DEADLINE_MS/],
    ['selector without a value', { AUTO_ROLLBACK_SELECTOR: 'just-a-key' }, /AUTO_ROLLBACK_SELECTOR/],
    ['negative response minutes', { RESPONSE_MINUTES_P1: '-1' }, /RESPONSE_MINUTES_P1/],
  ];
  for (const [what, env, variable] of invalid) {
    it(`refuses ${what}, naming the variable`, () => {
      expect(() => loadConfig(env)).to.throw(ConfigError, variable);
    });
  }

  it('parses namespaces, selector, overrides and booleans', () => {
    const c = loadConfig({
      WATCH_NAMESPACES: 'a, b,,c', AUTO_ROLLBACK_SELECTOR: 'team.example/rollback=yes', RESPONSE_MINUTES_P2: '30',
      DRY_RUN: 'true', ALERTMANAGER_RESOLVES_INCIDENTS: '1', ESCALATION_POLICY: 'org-default',
    });
    expect(c.watchNamespaces).to.deep.equal(['a', 'b', 'c']);
    expect([c.autoRollbackLabel, c.autoRollbackValue]).to.deep.equal(['team.example/rollback', 'yes']);
    expect(c.responseMinutes).to.deep.equal({ P2: 30 });
    expect(c.dryRun).to.equal(true);
    expect(c.alertmanagerResolvesIncidents).to.equal(true);
    expect(c.escalationPolicy).to.equal('org-default');
  });

  it('takes second-based SLA overrides as fractional minutes', () => {
    const c = loadConfig({ ACKNOWLEDGE_SECONDS: '8', RESPONSE_SECONDS_P1: '16' });
    expect(c.acknowledgeMinutes).to.be.closeTo(8 / 60, 1e-9);
    expect(c.responseMinutes.P1).to.be.closeTo(16 / 60, 1e-9);
  });

  it('never puts a value into the error message beyond a short prefix', () => {
    const secretish = 'x'.repeat(200);
    try { loadConfig({ WORKERS: secretish }); expect.fail('should throw'); } catch (e) {
      expect((e as Error).message.length).to.be.below(120);
    }
  });
});
