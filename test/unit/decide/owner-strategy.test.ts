import { expect } from 'chai';
import { argoRevisionBefore, decideOwnerStrategy, DEFAULT_OWNER_STRATEGY, previousValue, restorePatch, suspendPatch } from '../../../src/decide/owner-strategy.js';
import type { WorkloadOwnerStatus } from '../../../src/api/diagnosis.js';

const argo: WorkloadOwnerStatus = { kind: 'ArgoCD', name: 'shop-api', namespace: 'argocd', evidence: 'annotation argocd.argoproj.io/tracking-id', message: 'managed by Argo CD Application argocd/shop-api' };
const flux: WorkloadOwnerStatus = { kind: 'FluxKustomization', name: 'apps', namespace: 'flux-system', evidence: 'labels', message: 'managed by Flux Kustomization flux-system/apps' };
const helm: WorkloadOwnerStatus = { kind: 'Helm', name: 'api', namespace: 'shop', evidence: 'annotation meta.helm.sh/release-name', message: 'managed by Helm release shop/api' };
const input = { deployment: 'api', namespace: 'shop', fromRevision: 2, toRevision: 1, config: DEFAULT_OWNER_STRATEGY };

describe('decide/owner-strategy', () => {
  it('defaults: Argo CD, Flux and Helm are refused with the instruction; plain proceeds', () => {
    const a = decideOwnerStrategy({ ...input, owner: argo, argoRevertTo: { id: 4, revision: 'abc123', deployedAt: '2026-01-01T00:00:00Z' } });
    expect(a).to.deep.include({ action: 'Refuse', reason: 'RollbackOwnedByGitOps' });
    if (a.action !== 'Refuse') throw new Error('refused');
    expect(a.message).to.include('argocd/shop-api').and.include('abc123').and.include('argocd app rollback shop-api 4');
    const f = decideOwnerStrategy({ ...input, owner: flux });
    if (f.action !== 'Refuse') throw new Error('refused');
    expect(f.message).to.include('flux suspend kustomization apps -n flux-system');
    const h = decideOwnerStrategy({ ...input, owner: helm });
    if (h.action !== 'Refuse') throw new Error('refused');
    expect(h.reason).to.equal('RollbackOwnedByHelm');
    expect(h.message).to.include('helm rollback api -n shop');
    expect(decideOwnerStrategy({ ...input, owner: { kind: 'Plain', evidence: '', message: '' } })).to.deep.equal({ action: 'Proceed' });
  });

  it('opt-ins: suspend the Application / Kustomization; Helm patches and says it is drift', () => {
    const config = { ...DEFAULT_OWNER_STRATEGY, argoCd: 'SuspendAutoSync' as const, flux: 'Suspend' as const, helm: 'PatchDeployment' as const };
    const a = decideOwnerStrategy({ ...input, config, owner: argo });
    expect(a).to.deep.equal({ action: 'Suspend', target: { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', kind: 'Application', name: 'shop-api', namespace: 'argocd' } });
    const f = decideOwnerStrategy({ ...input, config, owner: flux });
    expect(f.action === 'Suspend' && f.target.plural).to.equal('kustomizations');
    const h = decideOwnerStrategy({ ...input, config, owner: helm });
    expect(h.action).to.equal('Proceed');
    expect(h.action === 'Proceed' && h.drift).to.include('drift');
  });

  it('suspend records the previous value and restore puts exactly it back', () => {
    const app = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', kind: 'Application' as const, name: 'a', namespace: 'argocd' };
    const prev = previousValue(app, { spec: { syncPolicy: { automated: { selfHeal: true, prune: false } } } });
    expect(prev).to.deep.equal({ field: 'spec.syncPolicy.automated', previous: '{"selfHeal":true,"prune":false}' });
    expect(suspendPatch(app)).to.deep.equal({ spec: { syncPolicy: { automated: null } } });
    expect(restorePatch({ kind: 'Application', previous: prev.previous })).to.deep.equal({ spec: { syncPolicy: { automated: { selfHeal: true, prune: false } } } });
    const ks = { ...app, group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', kind: 'Kustomization' as const };
    expect(previousValue(ks, { spec: {} })).to.deep.equal({ field: 'spec.suspend', previous: 'null' });
    expect(suspendPatch(ks)).to.deep.equal({ spec: { suspend: true } });
    expect(restorePatch({ kind: 'Kustomization', previous: 'null' })).to.deep.equal({ spec: { suspend: null } });
    expect(restorePatch({ kind: 'Kustomization', previous: 'false' })).to.deep.equal({ spec: { suspend: false } });
  });

  it('the Argo CD revision to go back to is the sync before the one that created the bad ReplicaSet', () => {
    const history = [
      { id: 1, revision: 'good1', deployedAt: '2026-01-01T10:00:00Z' },
      { id: 2, revision: 'good2', deployedAt: '2026-01-01T11:00:00Z' },
      { id: 3, revision: 'bad', deployedAt: '2026-01-01T12:00:00Z' },
    ];
    expect(argoRevisionBefore(history, new Date('2026-01-01T12:00:00.400Z'))?.revision).to.equal('good2');
    expect(argoRevisionBefore(history, new Date('2026-01-01T12:05:00Z'))?.revision).to.equal('good2');
    expect(argoRevisionBefore(history.slice(2), new Date('2026-01-01T12:00:01Z'))).to.equal(undefined);
    expect(argoRevisionBefore(history, undefined)).to.equal(undefined);
  });
});
