import { expect } from 'chai';
import { detectWorkloadOwner, parseArgoTrackingId, revertsDrift } from '../../../src/decide/workload-owner.js';

const base = { namespace: 'shop', argoCdNamespace: 'argocd' };

describe('decide/workload-owner', () => {
  it('Argo CD tracking id names the Application (default namespace, or <ns>_<name>)', () => {
    const o = detectWorkloadOwner({ ...base, annotations: { 'argocd.argoproj.io/tracking-id': 'shop-api:apps/Deployment:shop/api' } });
    expect(o).to.include({ kind: 'ArgoCD', name: 'shop-api', namespace: 'argocd' });
    expect(o.evidence).to.include('tracking-id');
    expect(parseArgoTrackingId('team-a_shop-api:apps/Deployment:shop/api', 'argocd')).to.deep.equal({ namespace: 'team-a', name: 'shop-api' });
    expect(parseArgoTrackingId(':apps/Deployment:shop/api', 'argocd')).to.equal(undefined);
  });

  it('the tracking id wins over Helm marks (Argo CD renders charts with helm template)', () => {
    const o = detectWorkloadOwner({ ...base, labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'x' }, annotations: { 'argocd.argoproj.io/tracking-id': 'app:apps/Deployment:shop/api' } });
    expect(o.kind).to.equal('ArgoCD');
  });

  it('Flux Kustomization and HelmRelease labels; Flux wins over the Helm annotations helm-controller also sets', () => {
    const ks = detectWorkloadOwner({ ...base, labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } });
    expect(ks).to.include({ kind: 'FluxKustomization', name: 'apps', namespace: 'flux-system' });
    const hr = detectWorkloadOwner({ ...base, labels: { 'helm.toolkit.fluxcd.io/name': 'api', 'helm.toolkit.fluxcd.io/namespace': 'shop' }, annotations: { 'meta.helm.sh/release-name': 'shop-api' } });
    expect(hr).to.include({ kind: 'FluxHelmRelease', name: 'api', namespace: 'shop' });
  });

  it('Helm: release annotations, or the managed-by label with the instance label as release name', () => {
    expect(detectWorkloadOwner({ ...base, annotations: { 'meta.helm.sh/release-name': 'api', 'meta.helm.sh/release-namespace': 'shop' } })).to.include({ kind: 'Helm', name: 'api', namespace: 'shop' });
    const byLabel = detectWorkloadOwner({ ...base, labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'api' } });
    expect(byLabel).to.include({ kind: 'Helm', name: 'api' });
  });

  it('the instance label alone is Argo CD label tracking; nothing at all is Plain', () => {
    expect(detectWorkloadOwner({ ...base, labels: { 'app.kubernetes.io/instance': 'guestbook' } })).to.include({ kind: 'ArgoCD', name: 'guestbook', namespace: 'argocd' });
    const plain = detectWorkloadOwner({ ...base, labels: { app: 'api' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
    expect(plain.kind).to.equal('Plain');
    expect(revertsDrift('Plain')).to.equal(false);
    expect(revertsDrift('Helm')).to.equal(false);
    expect(revertsDrift('ArgoCD')).to.equal(true);
    expect(revertsDrift('FluxKustomization')).to.equal(true);
  });
});
