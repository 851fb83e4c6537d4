/**
 * The chart's opt-in RBAC for GitOps owners (values gitops.argoCD / gitops.flux, templates/rbac-gitops.yaml): off by
 * default (no rules on the owners' objects, no ROLLBACK_* env); on, get and patch on exactly those objects and the
 * matching operator env; with watchNamespaces, Roles where the objects live. The rules are applied for a
 * throwaway ServiceAccount and checked with SubjectAccessReviews (granted and not granted).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, deleteNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { ChartDir, find, helm, helmBinary, helmTemplate, manifestObjects, type K8sObject } from '../../harness/helm.js';

const OperatorNs = 'incident-operator-system';
const RbacKinds = ['Role', 'ClusterRole'];
const envOf = (d: K8sObject): Record<string, string> => Object.fromEntries(d.spec.template.spec.containers[0].env.filter((e: K8sObject) => e.value !== undefined).map((e: K8sObject) => [e.name, e.value]));
const gitopsGroups = ['argoproj.io', 'kustomize.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io'];
/** Every rule of every Role/ClusterRole on a GitOps owner's objects, as "kind/namespace/name group/resource verbs". */
const gitopsRules = (objects: K8sObject[]): string[] => objects.filter((o) => RbacKinds.includes(o.kind)).flatMap((o) => (o.rules ?? [])
  .filter((r: K8sObject) => r.apiGroups.some((g: string) => gitopsGroups.includes(g)))
  .map((r: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name} ${r.apiGroups.join(',')}/${r.resources.join(',')} ${r.verbs.join(',')}`)).sort();

describe('packaging: the chart\'s GitOps owner RBAC (opt-in)', function () {
  this.timeout(300_000);
  before(() => { helmBinary(); });

  it('defaults: no rules on Applications, Kustomizations or HelmReleases, no ROLLBACK_* or ARGOCD_NAMESPACE env', async () => {
    for (const watch of [[], ['shop']]) {
      const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, {}, { watchNamespaces: watch }) });
      expect(objects.filter((o) => RbacKinds.includes(o.kind)).length, 'some RBAC is rendered').to.be.above(0);
      expect(gitopsRules(objects), `watchNamespaces=${JSON.stringify(watch)}`).to.deep.equal([]);
      expect(objects.map((o) => o.metadata.name)).to.not.include('incident-operator-gitops');
      const env = envOf(find(objects, 'Deployment', 'incident-operator'));
      expect(Object.keys(env).filter((k) => k.startsWith('ROLLBACK_') || k === 'ARGOCD_NAMESPACE')).to.deep.equal([]);
    }
  });

  it('gitops.argoCD.enabled (cluster-wide): a ClusterRole with get, patch on applications.argoproj.io only, bound to the ServiceAccount; ROLLBACK_ARGOCD and ARGOCD_NAMESPACE set', async () => {
    const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, { 'gitops.argoCD.enabled': 'true', 'gitops.argoCD.namespace': 'gitops' }) });
    expect(gitopsRules(objects)).to.deep.equal(['ClusterRole//incident-operator-gitops argoproj.io/applications get,patch']);
    const binding = find(objects, 'ClusterRoleBinding', 'incident-operator-gitops');
    expect(binding.roleRef).to.include({ kind: 'ClusterRole', name: 'incident-operator-gitops' });
    expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'incident-operator', namespace: OperatorNs }]);
    const env = envOf(find(objects, 'Deployment', 'incident-operator'));
    expect(env).to.include({ ROLLBACK_ARGOCD: 'Instruct', ARGOCD_NAMESPACE: 'gitops' });
    expect(env).to.not.have.property('ROLLBACK_FLUX');
  });

  it('gitops.flux.enabled with rollback Suspend: Kustomizations and HelmReleases; ROLLBACK_FLUX=Suspend', async () => {
    const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, { 'gitops.flux.enabled': 'true', 'gitops.flux.rollback': 'Suspend' }) });
    expect(gitopsRules(objects)).to.deep.equal([
      'ClusterRole//incident-operator-gitops helm.toolkit.fluxcd.io/helmreleases get,patch',
      'ClusterRole//incident-operator-gitops kustomize.toolkit.fluxcd.io/kustomizations get,patch',
    ]);
    const env = envOf(find(objects, 'Deployment', 'incident-operator'));
    expect(env).to.include({ ROLLBACK_FLUX: 'Suspend' });
    expect(env).to.not.have.property('ROLLBACK_ARGOCD');
  });

  it('with watchNamespaces: Roles where the owners\' objects live (Argo CD\'s namespace, the Flux namespaces), no cluster-wide rule', async () => {
    const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, { 'gitops.argoCD.enabled': 'true', 'gitops.flux.enabled': 'true' }, { watchNamespaces: ['shop'], 'gitops.flux.namespaces': ['flux-system', 'argocd'] }) });
    expect(gitopsRules(objects)).to.deep.equal([
      'Role/argocd/incident-operator-gitops argoproj.io/applications get,patch',
      'Role/argocd/incident-operator-gitops helm.toolkit.fluxcd.io/helmreleases get,patch',
      'Role/argocd/incident-operator-gitops kustomize.toolkit.fluxcd.io/kustomizations get,patch',
      'Role/flux-system/incident-operator-gitops helm.toolkit.fluxcd.io/helmreleases get,patch',
      'Role/flux-system/incident-operator-gitops kustomize.toolkit.fluxcd.io/kustomizations get,patch',
    ]);
    for (const ns of ['argocd', 'flux-system']) expect(find(objects, 'RoleBinding', 'incident-operator-gitops', ns).subjects[0]).to.include({ name: 'incident-operator', namespace: OperatorNs });
  });

  it('a strategy the operator does not know is refused by helm template, naming the value; lint --strict passes with the opt-ins', async () => {
    const bad = await helm(['template', 'incident-operator', ChartDir, '--namespace', OperatorNs, '--set', 'gitops.argoCD.enabled=true', '--set', 'gitops.argoCD.rollback=Always']);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include('gitops.argoCD.rollback must be one of Instruct, SuspendAutoSync');
    const lint = await helm(['lint', ChartDir, '--strict', '--set', 'gitops.argoCD.enabled=true', '--set', 'gitops.flux.enabled=true', '--set', 'watchNamespaces[0]=shop']);
    expect(lint.code, lint.stdout + lint.stderr).to.equal(0);
  });

  it('applied, the rules grant get and patch on the owners\' objects and nothing more (SubjectAccessReview)', async () => {
    const ns = await createTestNamespace('chart-gitops');
    const release = `gitops-${randomBytes(3).toString('hex')}`;
    try {
      const yaml = await helmTemplate(release, ns, { 'gitops.argoCD.enabled': 'true', 'gitops.flux.enabled': 'true' }, {});
      const objects = (await manifestObjects({ yaml })).filter((o) => o.metadata.name === `${release}-incident-operator-gitops` || o.kind === 'ServiceAccount');
      expect(objects.map((o) => o.kind).sort()).to.deep.equal(['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
      const applied = await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
      expect(applied.code, applied.stderr).to.equal(0);
      // A SubjectAccessReview asks the authorizer directly (no CRDs needed for the owners' kinds).
      const user = `system:serviceaccount:${ns}:${release}-incident-operator`;
      const can = async (verb: string, resource: string): Promise<boolean> => {
        const [plural, ...group] = resource.split('.');
        const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], resourceAttributes: { verb, group: group.join('.'), resource: plural, namespace: 'somewhere' } } };
        const r = await kubectl(['create', '-o', 'json', '-f', '-'], { input: JSON.stringify(review) });
        expect(r.code, r.stderr).to.equal(0);
        return JSON.parse(r.stdout).status.allowed === true;
      };
      // The authorizer's RBAC cache follows the new binding within moments.
      await waitFor('the binding is in effect', async () => (await can('get', 'applications.argoproj.io')) || undefined, 30_000, 200);
      for (const r of ['applications.argoproj.io', 'kustomizations.kustomize.toolkit.fluxcd.io', 'helmreleases.helm.toolkit.fluxcd.io']) {
        expect(await can('get', r), `get ${r}`).to.equal(true);
        expect(await can('patch', r), `patch ${r}`).to.equal(true);
        expect(await can('delete', r), `delete ${r}`).to.equal(false);
        expect(await can('list', r), `list ${r}`).to.equal(false);
      }
      expect(await can('patch', 'appprojects.argoproj.io')).to.equal(false);
    } finally {
      await kubectl(['delete', 'clusterrole,clusterrolebinding', `${release}-incident-operator-gitops`, '--ignore-not-found']);
      await deleteNamespace(ns);
    }
  });
});
