/**
 * GitOps owners for the rollback-by-owner suites (issue 15): the minimal test CRDs for Argo CD's Application and
 * Flux's Kustomization (test/fixtures/crds/, written for these tests), RBAC for the operator's ServiceAccount on
 * those objects (the opt-in's second half), and the objects and marks that make a Deployment GitOps-owned.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { kubectl, repoRoot } from './cluster.js';
import type { Json } from './rollout.js';

/** Installs the fixture CRDs (idempotent) and waits until they are served. */
export async function installGitOpsCrds(): Promise<void> {
  for (const f of ['argocd-application.yaml', 'flux-kustomization.yaml']) {
    const r = await kubectl(['apply', '-f', join(repoRoot, 'test/fixtures/crds', f)]);
    expect(r.code, r.stderr).to.equal(0);
  }
  await kubectl(['wait', '--for=condition=Established', 'crd/applications.argoproj.io', 'crd/kustomizations.kustomize.toolkit.fluxcd.io', '--timeout=30s']);
}

export type GitOpsResource = 'applications' | 'kustomizations';
const GROUP: Record<GitOpsResource, string> = { applications: 'argoproj.io', kustomizations: 'kustomize.toolkit.fluxcd.io' };

/** A ClusterRole + binding named `name` granting the operator's ServiceAccount get and patch on `resources`. */
export async function grantGitOpsRbac(name: string, resources: readonly GitOpsResource[]): Promise<void> {
  await applyJson({
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name },
        rules: resources.map((r) => ({ apiGroups: [GROUP[r]], resources: [r], verbs: ['get', 'patch'] })) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'incident-operator', namespace: 'incident-operator-system' }] },
    ],
  });
}

export async function revokeGitOpsRbac(name: string): Promise<void> {
  await kubectl(['delete', 'clusterrolebinding,clusterrole', name, '--ignore-not-found']);
}

export async function applyJson(json: unknown): Promise<void> {
  const r = await kubectl(['apply', '-f', '-'], { input: JSON.stringify(json) });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** An Argo CD Application with `spec.syncPolicy.automated` and `status.history`. */
export async function application(ns: string, name: string, automated: Json, history: Json[] = []): Promise<void> {
  await applyJson({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: ns }, spec: { syncPolicy: { automated } }, status: { history } });
}

export async function getApplication(ns: string, name: string): Promise<Json> {
  const r = await kubectl(['get', 'applications.argoproj.io', name, '-n', ns, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** The Argo CD tracking annotation of a Deployment owned by Application `app` (in ARGOCD_NAMESPACE). */
export const argoOwned = (app: string, ns: string, name: string): Record<string, string> => ({ 'argocd.argoproj.io/tracking-id': `${app}:apps/Deployment:${ns}/${name}` });
