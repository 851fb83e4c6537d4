import { expect } from 'chai';
import fc from 'fast-check';
import {
  DEFAULT_PROTECTED_NAMESPACES, evaluateRemediationConsent, isProtectedNamespace, namespaceInScope, type ConsentInput,
} from '../../../src/decide/remediation-consent.js';

const selector = { label: 'runbook.dev/auto-rollback', value: 'enabled' };
const base = (over: Partial<ConsentInput> = {}): ConsentInput => ({
  namespace: 'shop', protectedNamespaces: DEFAULT_PROTECTED_NAMESPACES, autoRollbackSelector: selector, ...over,
});

describe('decide/remediation-consent', () => {
  const cases: { name: string; input: ConsentInput; permitted: boolean; reason: string; via?: string }[] = [
    { name: 'no labels anywhere', input: base(), permitted: false, reason: 'NoOptIn' },
    { name: 'Deployment runbook.dev/remediation=enabled', input: base({ deploymentLabels: { 'runbook.dev/remediation': 'enabled' } }), permitted: true, reason: 'Permitted', via: 'Deployment' },
    { name: 'Deployment auto-rollback selector', input: base({ deploymentLabels: { 'runbook.dev/auto-rollback': 'enabled' } }), permitted: true, reason: 'Permitted', via: 'Deployment' },
    { name: 'Namespace runbook.dev/remediation=enabled', input: base({ deploymentLabels: {}, namespaceLabels: { 'runbook.dev/remediation': 'enabled' } }), permitted: true, reason: 'Permitted', via: 'Namespace' },
    { name: 'Namespace auto-rollback selector', input: base({ namespaceLabels: { 'runbook.dev/auto-rollback': 'enabled' } }), permitted: true, reason: 'Permitted', via: 'Namespace' },
    { name: 'Deployment opts out of an opted-in Namespace', input: base({ deploymentLabels: { 'runbook.dev/remediation': 'disabled' }, namespaceLabels: { 'runbook.dev/remediation': 'enabled' } }), permitted: false, reason: 'OptedOut', via: 'Deployment' },
    { name: 'explicit label beats the selector on the same object', input: base({ deploymentLabels: { 'runbook.dev/remediation': 'disabled', 'runbook.dev/auto-rollback': 'enabled' } }), permitted: false, reason: 'OptedOut' },
    { name: 'selector with another value is an opt-out', input: base({ deploymentLabels: { 'runbook.dev/auto-rollback': 'disabled' }, namespaceLabels: { 'runbook.dev/auto-rollback': 'enabled' } }), permitted: false, reason: 'OptedOut' },
    { name: 'a label value that merely looks similar is no consent', input: base({ deploymentLabels: { 'runbook.dev/remediation': 'Enabled' } }), permitted: false, reason: 'OptedOut' },
    { name: 'unrelated labels', input: base({ deploymentLabels: { app: 'web', 'runbook.dev/remediation-x': 'enabled' } }), permitted: false, reason: 'NoOptIn' },
    { name: 'unwatched namespace even when labelled', input: base({ watchNamespaces: ['other'], deploymentLabels: { 'runbook.dev/remediation': 'enabled' } }), permitted: false, reason: 'NamespaceNotWatched' },
    { name: 'kube-system even when labelled and watched', input: base({ namespace: 'kube-system', watchNamespaces: ['kube-system'], deploymentLabels: { 'runbook.dev/remediation': 'enabled' }, namespaceLabels: { 'runbook.dev/remediation': 'enabled' } }), permitted: false, reason: 'ProtectedNamespace' },
    { name: 'a custom selector counts, the default one then does not', input: base({ autoRollbackSelector: { label: 'team.example/rollback', value: 'yes' }, namespaceLabels: { 'team.example/rollback': 'yes' } }), permitted: true, reason: 'Permitted', via: 'Namespace' },
    { name: 'protected list emptied: kube-system may consent', input: base({ namespace: 'kube-system', protectedNamespaces: [], deploymentLabels: { 'runbook.dev/remediation': 'enabled' } }), permitted: true, reason: 'Permitted' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.permitted ? 'permitted' : c.reason}`, () => {
      const d = evaluateRemediationConsent(c.input);
      expect(d.permitted).to.equal(c.permitted);
      expect(d.reason).to.equal(c.reason);
      if (c.via) expect(d.via).to.equal(c.via);
      expect(d.message).to.be.a('string').and.not.equal('');
    });
  }

  it('the NoOptIn message names both opt-in labels', () => {
    const d = evaluateRemediationConsent(base());
    expect(d.message).to.include('runbook.dev/remediation=enabled').and.include('runbook.dev/auto-rollback=enabled');
  });

  it('a StatefulSet target is named as one: its own label consents (via StatefulSet), and the refusals say StatefulSet', () => {
    const sts = (labels?: Record<string, string>) => evaluateRemediationConsent(base({ workloadKind: 'StatefulSet', deploymentLabels: labels }));
    expect(sts({ 'runbook.dev/remediation': 'enabled' })).to.deep.include({ permitted: true, via: 'StatefulSet', message: 'the StatefulSet opted in (runbook.dev/remediation=enabled)' });
    expect(sts({ 'runbook.dev/remediation': 'disabled' }).message).to.match(/^the StatefulSet opted out/);
    expect(sts().message).to.match(/^neither the StatefulSet nor namespace shop carries/);
    expect(sts().message).to.not.contain('Deployment');
  });

  it('protected namespaces: exact names and * prefixes', () => {
    expect(isProtectedNamespace('kube-system', ['kube-*'])).to.equal(true);
    expect(isProtectedNamespace('kube-node-lease', ['kube-*'])).to.equal(true);
    expect(isProtectedNamespace('kubernetes-dashboard', ['kube-*'])).to.equal(false);
    expect(isProtectedNamespace('ops', ['ops'])).to.equal(true);
    expect(isProtectedNamespace('ops-2', ['ops'])).to.equal(false);
  });

  it('namespaceInScope: watched first, then protected', () => {
    expect(namespaceInScope('a', { watchNamespaces: ['a'], protectedNamespaces: [] })).to.deep.equal({ ok: true });
    expect(namespaceInScope('b', { watchNamespaces: ['a'], protectedNamespaces: [] })).to.include({ ok: false, reason: 'NamespaceNotWatched' });
    expect(namespaceInScope('kube-public', { protectedNamespaces: ['kube-*'] })).to.include({ ok: false, reason: 'ProtectedNamespace' });
  });

  it('property: never permitted without one of the two opt-in labels set to its enabled value', () => {
    const labels = fc.dictionary(fc.constantFrom('runbook.dev/remediation', 'runbook.dev/auto-rollback', 'app', 'x'), fc.constantFrom('enabled', 'disabled', 'yes', ''));
    fc.assert(fc.property(fc.option(labels, { nil: undefined }), fc.option(labels, { nil: undefined }), fc.constantFrom('shop', 'kube-system', 'other'), (dl, nl, ns) => {
      const d = evaluateRemediationConsent(base({ namespace: ns, watchNamespaces: ['shop', 'kube-system'], deploymentLabels: dl, namespaceLabels: nl }));
      const optedIn = (l?: Record<string, string>) => l?.['runbook.dev/remediation'] === 'enabled' || (l?.['runbook.dev/remediation'] === undefined && l?.['runbook.dev/auto-rollback'] === 'enabled');
      if (d.permitted) {
        expect(ns).to.equal('shop');
        expect(optedIn(dl) || optedIn(nl)).to.equal(true);
      }
    }));
  });
});
