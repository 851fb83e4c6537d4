/**
 * The consent decision's message reaches status.remediation (intent, outcome, refusal), Events and
 * notifications. Label values are free text within the label syntax (`runbook.dev/remediation: CANARY-…` is a
 * valid label): a canary planted in a Deployment's or Namespace's consent labels, or in unrelated labels,
 * never comes back; `enabled` / `disabled` (known values) still do.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { evaluateRemediationConsent } from '../../../src/decide/remediation-consent.js';
import { notPermitted } from '../../../src/remediate/consent.js';
import { canaryArb, found } from '../../harness/canaries.js';

const selector = { label: 'runbook.dev/auto-rollback', value: 'enabled' };
/** Label values a person may set (label syntax: alphanumerics, `-`, `_`, `.`). */
const valueArb = (c: string) => fc.constantFrom(c, c.toLowerCase(), `${c}.enabled`, `enabled-${c}`, `${c}_disabled`);

describe('decide/remediation-consent: canaries in consent labels', () => {
  for (const key of ['runbook.dev/remediation', 'runbook.dev/auto-rollback'] as const) {
    for (const on of ['Deployment', 'Namespace'] as const) {
      it(`${key} on the ${on}: refused, and neither the decision nor the refusal names the value`, () => {
        fc.assert(fc.property(canaryArb.chain((c) => fc.tuple(fc.constant(c), valueArb(c))), ([c, value]) => {
          const labels = { [key]: value, 'team.example/owner': c };
          const d = evaluateRemediationConsent({
            namespace: 'shop', protectedNamespaces: ['kube-*'], autoRollbackSelector: selector,
            ...(on === 'Deployment' ? { deploymentLabels: labels, namespaceLabels: { [key]: 'enabled' } } : { deploymentLabels: {}, namespaceLabels: labels }),
          });
          expect(d).to.include({ permitted: false, reason: 'OptedOut', via: on });
          const all = JSON.stringify({ d, refusal: notPermitted(d, 'Rollback', 3) });
          expect(found(all, [c]), all).to.deep.equal([]);
          expect(d.message).to.include(key);
        }));
      });
    }
  }

  it('known values are still named', () => {
    const base = { namespace: 'shop', protectedNamespaces: ['kube-*'], autoRollbackSelector: selector };
    expect(evaluateRemediationConsent({ ...base, deploymentLabels: { 'runbook.dev/remediation': 'disabled' } }).message).to.include('runbook.dev/remediation=disabled');
    expect(evaluateRemediationConsent({ ...base, deploymentLabels: { 'runbook.dev/remediation': 'enabled' } }).message).to.include('runbook.dev/remediation=enabled');
  });
});
