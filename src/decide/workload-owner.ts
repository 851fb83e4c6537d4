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

/**
 * Owner names reach status, Events and notifications, and annotations are free text: default-deny, a name is
 * kept only when it is a Kubernetes object name (DNS-1123 subdomain, at most 253 characters).
 */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const objectName = (v: string | undefined): string | undefined => (v !== undefined && v.length <= 253 && DNS_SUBDOMAIN.test(v) ? v : undefined);

/** Parses `<app>:<group>/<kind>:<ns>/<name>`; `<app>` may be `<appNamespace>_<appName>`. Undefined unless both are object names. */
export function parseArgoTrackingId(id: string, defaultNamespace: string): { name: string; namespace: string } | undefined {
  const app = id.split(':')[0]?.trim() ?? '';
  if (!app) return undefined;
  const sep = app.indexOf('_');
  const [namespace, name] = sep > 0 && sep < app.length - 1 ? [app.slice(0, sep), app.slice(sep + 1)] : [defaultNamespace, app];
  return objectName(name) && objectName(namespace) ? { namespace, name } : undefined;
}

export function detectWorkloadOwner(input: OwnerInput): WorkloadOwnerStatus {
  const labels = input.labels ?? {};
  const ann = input.annotations ?? {};

  // A mark that is present decides the owner even when its name is not recordable (never "Plain" by accident).
  const unnamed = ' (name not a Kubernetes object name, not recorded)';
  const tracking = ann[OwnerMark.argoTrackingId];
  if (tracking !== undefined) {
    const app = parseArgoTrackingId(tracking, input.argoCdNamespace);
    const evidence = `annotation ${OwnerMark.argoTrackingId}`;
    return app
      ? { kind: 'ArgoCD', name: app.name, namespace: app.namespace, evidence, message: `managed by Argo CD Application ${app.namespace}/${app.name}` }
      : { kind: 'ArgoCD', namespace: input.argoCdNamespace, evidence, message: `managed by Argo CD${unnamed}` };
  }
  const named = (kind: 'FluxKustomization' | 'FluxHelmRelease' | 'Helm', what: string, rawName: string, rawNamespace: string | undefined, evidence: string): WorkloadOwnerStatus => {
    const name = objectName(rawName);
    const namespace = objectName(rawNamespace) ?? input.namespace;
    return name
      ? { kind, name, namespace, evidence, message: `managed by ${what} ${namespace}/${name}` }
      : { kind, namespace, evidence, message: `managed by ${what}${unnamed}` };
  };
  const ks = labels[OwnerMark.fluxKustomizationName];
  if (ks !== undefined) return named('FluxKustomization', 'Flux Kustomization', ks, labels[OwnerMark.fluxKustomizationNamespace], `labels ${OwnerMark.fluxKustomizationName}, ${OwnerMark.fluxKustomizationNamespace}`);
  const hr = labels[OwnerMark.fluxHelmReleaseName];
  if (hr !== undefined) return named('FluxHelmRelease', 'Flux HelmRelease', hr, labels[OwnerMark.fluxHelmReleaseNamespace], `labels ${OwnerMark.fluxHelmReleaseName}, ${OwnerMark.fluxHelmReleaseNamespace}`);
  const release = ann[OwnerMark.helmReleaseName];
  if (release !== undefined) return named('Helm', 'Helm release', release, ann[OwnerMark.helmReleaseNamespace], `annotation ${OwnerMark.helmReleaseName}`);
  const instanceRaw = labels[OwnerMark.instanceLabel];
  const instance = objectName(instanceRaw);
  if (labels[OwnerMark.managedByLabel] === 'Helm') {
    return { kind: 'Helm', ...(instance ? { name: instance } : {}), namespace: input.namespace, evidence: `label ${OwnerMark.managedByLabel}=Helm`, message: instance ? `managed by Helm release ${input.namespace}/${instance}` : 'managed by Helm (release name unknown)' };
  }
  if (instanceRaw !== undefined) {
    return instance
      ? { kind: 'ArgoCD', name: instance, namespace: input.argoCdNamespace, evidence: `label ${OwnerMark.instanceLabel}`, message: `managed by Argo CD Application ${input.argoCdNamespace}/${instance} (instance label)` }
      : { kind: 'ArgoCD', namespace: input.argoCdNamespace, evidence: `label ${OwnerMark.instanceLabel}`, message: `managed by Argo CD (instance label)${unnamed}` };
  }
  return { kind: 'Plain', evidence: 'no GitOps or Helm labels or annotations', message: 'not managed by Argo CD, Flux or Helm (plain kubectl)' };
}

/** Owners that reconcile the manifest back by themselves (a patch would be reverted). */
export function revertsDrift(kind: WorkloadOwnerStatus['kind']): boolean {
  return kind === 'ArgoCD' || kind === 'FluxKustomization' || kind === 'FluxHelmRelease';
}
