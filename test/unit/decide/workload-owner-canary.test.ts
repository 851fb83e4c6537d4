/**
 * Owner names reach status, Events, the instructions in escalations and notifications; they come from
 * free-text annotations and labels. A canary planted in each owner mark never comes back; the owner kind is
 * still recognised (a Helm- or Argo-managed Deployment is never taken for plain kubectl).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { detectWorkloadOwner } from '../../../src/decide/workload-owner.js';
import { decideOwnerStrategy } from '../../../src/decide/owner-strategy.js';

const CANARY = 'CANARY-0wn3r-7e21';
const marks: [string, 'labels' | 'annotations', string][] = [
  ['argocd.argoproj.io/tracking-id', 'annotations', 'ArgoCD'],
  ['kustomize.toolkit.fluxcd.io/name', 'labels', 'FluxKustomization'],
  ['helm.toolkit.fluxcd.io/name', 'labels', 'FluxHelmRelease'],
  ['meta.helm.sh/release-name', 'annotations', 'Helm'],
  ['app.kubernetes.io/instance', 'labels', 'ArgoCD'],
];

describe('decide/workload-owner: canaries in owner marks', () => {
  for (const [key, where, kind] of marks) {
    it(`${key}: the kind is ${kind}, the canary is not recorded`, () => {
      fc.assert(fc.property(fc.constantFrom(CANARY, `Patient ${CANARY}`, `${CANARY}_app`, `ns_${CANARY}:apps/Deployment:ns/api`, `jane roe ${CANARY}`), (value) => {
        const owner = detectWorkloadOwner({ namespace: 'payments', argoCdNamespace: 'argocd', [where]: { [key]: value } });
        expect(owner.kind).to.equal(kind);
        expect(JSON.stringify(owner)).to.not.include(CANARY);
        // The instruction a person gets (the refusal message) carries no canary either, and never the word "undefined".
        const strategy = decideOwnerStrategy({ owner, config: { argoCd: 'Instruct', flux: 'Instruct', helm: 'Instruct', argoCdNamespace: 'argocd' }, deployment: 'api', namespace: 'payments', fromRevision: 2, toRevision: 1 });
        expect(JSON.stringify(strategy)).to.not.include(CANARY);
        expect(JSON.stringify(strategy)).to.not.include('undefined');
      }));
    });
  }

  it('a plain DNS name is kept (the evidence stays useful)', () => {
    expect(detectWorkloadOwner({ namespace: 'payments', argoCdNamespace: 'argocd', annotations: { 'meta.helm.sh/release-name': 'checkout' } })).to.include({ kind: 'Helm', name: 'checkout', namespace: 'payments' });
  });
});
