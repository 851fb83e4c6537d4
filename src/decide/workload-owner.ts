/**
 * Who owns a workload's manifest? A rollback patched onto a Deployment that a GitOps controller or Helm
 * manages is drift: Argo CD self-heal or Flux reconciliation reverts it, `helm upgrade` overwrites it.
 * Pure: reads only the workload's labels and annotations. Precedence (first match wins):
 *  1. Argo CD tracking annotation `argocd.argoproj.io/tracking-id` (`<app>:<group>/<kind>:<ns>/<name>`,
 *     `<app>` is `<namespace>_<name>` when Applications live outside Argo CD's namespace);
 *  2. Flux kustomize-controller labels `kustomize.toolkit.fluxcd.io/name` + `/namespace`;
 *  3. Flux helm-controller labels `helm.toolkit.fluxcd.io/name` + `/namespace`;
 *  4. Helm release annotations `meta.helm.sh/release-name` (+ `-namespace`), or the label
 *     `app.kubernetes.io/managed-by: Helm` with `app.kubernetes.io/instance` as the release name;
 *  5. Argo CD instance label `app.kubernetes.io/instance` (Argo CD's legacy label tracking) — only when
 *     nothing says Helm, since Helm charts set the same label to the release name;
 *  6. otherwise Plain (kubectl or anything that does not revert a rollback).
 */
import type { WorkloadOwnerStatus } from '../api/diagnosis.js';
import { OwnerMark } from '../api/reasons.js';

export type { WorkloadOwnerStatus, WorkloadOwnerKind } from '../api/diagnosis.js';

export interface OwnerInput {
  /** The workload's namespace (default namespace of a Helm release). */
  namespace: string;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  /** Namespace Argo CD's Applications live in when the tracking id does not say (ARGOCD_NAMESPACE). */
  argoCdNamespace: string;
}

/** Parses `<app>:<group>/<kind>:<ns>/<name>`; `<app>` may be `<appNamespace>_<appName>`. */
export function parseArgoTrackingId(id: string, defaultNamespace: string): { name: string; namespace: string } | undefined {
  const app = id.split(':')[0]?.trim() ?? '';
  if (!app) return undefined;
  const sep = app.indexOf('_');
  if (sep > 0 && sep < app.length - 1) return { namespace: app.slice(0, sep), name: app.slice(sep + 1) };
  return { namespace: defaultNamespace, name: app };
}

export function detectWorkloadOwner(input: OwnerInput): WorkloadOwnerStatus {
  const labels = input.labels ?? {};
  const ann = input.annotations ?? {};

  const tracking = ann[OwnerMark.argoTrackingId];
  const app = tracking ? parseArgoTrackingId(tracking, input.argoCdNamespace) : undefined;
  if (app) {
    return { kind: 'ArgoCD', name: app.name, namespace: app.namespace, evidence: `annotation ${OwnerMark.argoTrackingId}`, message: `managed by Argo CD Application ${app.namespace}/${app.name}` };
  }
  const ks = labels[OwnerMark.fluxKustomizationName];
  if (ks) {
    const namespace = labels[OwnerMark.fluxKustomizationNamespace] ?? input.namespace;
    return { kind: 'FluxKustomization', name: ks, namespace, evidence: `labels ${OwnerMark.fluxKustomizationName}, ${OwnerMark.fluxKustomizationNamespace}`, message: `managed by Flux Kustomization ${namespace}/${ks}` };
  }
  const hr = labels[OwnerMark.fluxHelmReleaseName];
  if (hr) {
    const namespace = labels[OwnerMark.fluxHelmReleaseNamespace] ?? input.namespace;
    return { kind: 'FluxHelmRelease', name: hr, namespace, evidence: `labels ${OwnerMark.fluxHelmReleaseName}, ${OwnerMark.fluxHelmReleaseNamespace}`, message: `managed by Flux HelmRelease ${namespace}/${hr}` };
  }
  const release = ann[OwnerMark.helmReleaseName];
  if (release) {
    const namespace = ann[OwnerMark.helmReleaseNamespace] ?? input.namespace;
    return { kind: 'Helm', name: release, namespace, evidence: `annotation ${OwnerMark.helmReleaseName}`, message: `managed by Helm release ${namespace}/${release}` };
  }
  const instance = labels[OwnerMark.instanceLabel];
  if (labels[OwnerMark.managedByLabel] === 'Helm') {
    const name = instance ?? '';
    return { kind: 'Helm', ...(name ? { name } : {}), namespace: input.namespace, evidence: `label ${OwnerMark.managedByLabel}=Helm`, message: name ? `managed by Helm release ${input.namespace}/${name}` : 'managed by Helm (release name unknown)' };
  }
  if (instance) {
    return { kind: 'ArgoCD', name: instance, namespace: input.argoCdNamespace, evidence: `label ${OwnerMark.instanceLabel}`, message: `managed by Argo CD Application ${input.argoCdNamespace}/${instance} (instance label)` };
  }
  return { kind: 'Plain', evidence: 'no GitOps or Helm labels or annotations', message: 'not managed by Argo CD, Flux or Helm (plain kubectl)' };
}

/** Owners that reconcile the manifest back by themselves (a patch would be reverted). */
export function revertsDrift(kind: WorkloadOwnerStatus['kind']): boolean {
  return kind === 'ArgoCD' || kind === 'FluxKustomization' || kind === 'FluxHelmRelease';
}
