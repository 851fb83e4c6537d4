import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { notPermitted, remediationConsent } from '../../../src/remediate/consent.js';
import type { RemediationContext } from '../../../src/ports/remediation.js';

const ctx = (namespace: string, deploymentLabels?: Record<string, string>): RemediationContext => ({
  incident: { apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'i', namespace }, spec: { severity: 'P1', summary: 's' } },
  status: {},
  diagnosis: { generation: 1, completedAt: '', summary: '', checks: [], proposal: { action: 'Rollback', reason: 'RollbackProposed', message: '' } },
  ...(deploymentLabels ? { target: { deployment: { metadata: { name: 'api', namespace, labels: deploymentLabels } }, replicaSets: [], pods: [], healthy: false, summary: '' } } : {}),
  now: new Date('2026-12-01T06:00:00Z'),
} as unknown as RemediationContext);

describe('remediate/consent', () => {
  const config = loadConfig({ WATCH_NAMESPACES: 'shop,kube-system' });

  it('reads the Deployment from the snapshot and the Namespace from the cache', () => {
    expect(remediationConsent(config, ctx('shop', { 'runbook.dev/remediation': 'enabled' }), () => undefined)).to.include({ permitted: true, via: 'Deployment' });
    expect(remediationConsent(config, ctx('shop', {}), (ns) => (ns === 'shop' ? { 'runbook.dev/auto-rollback': 'enabled' } : undefined))).to.include({ permitted: true, via: 'Namespace' });
    expect(remediationConsent(config, ctx('shop', {}), () => undefined)).to.include({ permitted: false, reason: 'NoOptIn' });
  });

  it('a database Incident without a target needs the Namespace label', () => {
    expect(remediationConsent(config, ctx('shop'), () => ({ 'runbook.dev/remediation': 'enabled' })).permitted).to.equal(true);
    expect(remediationConsent(config, ctx('shop'), () => ({})).permitted).to.equal(false);
  });

  it('kube-system stays protected even when watched and labelled', () => {
    const d = remediationConsent(config, ctx('kube-system', { 'runbook.dev/remediation': 'enabled' }), () => ({ 'runbook.dev/remediation': 'enabled' }));
    expect(d).to.include({ permitted: false, reason: 'ProtectedNamespace' });
  });

  it('the refusal record says RemediationNotPermitted with the reason; none when permitted', () => {
    const refused = notPermitted(remediationConsent(config, ctx('shop', {}), () => undefined), 'Rollback', 3);
    expect(refused).to.deep.include({ state: 'Refused', action: 'Rollback', reason: 'RemediationNotPermitted', toRevision: 3 });
    expect(refused?.message).to.match(/^rollback not permitted \(NoOptIn\): /);
    expect(refused?.consent).to.deep.include({ permitted: false, reason: 'NoOptIn' });
    expect(notPermitted(remediationConsent(config, ctx('shop', { 'runbook.dev/remediation': 'enabled' }), () => undefined), 'Rollback')).to.equal(undefined);
    expect(notPermitted(remediationConsent(config, ctx('shop'), () => undefined), 'TerminateQueries')?.message).to.match(/^query termination not permitted/);
  });
});
