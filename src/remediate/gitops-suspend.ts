/**
 * The GitOps owner's object (Argo CD Application, Flux Kustomization / HelmRelease): read it, suspend its
 * automation (JSON merge patch), restore the recorded value. The decisions (which field, which value) are
 * in src/decide/owner-strategy.ts; this file only does the API calls.
 */
import type * as k8s from '@kubernetes/client-node';
import type { GitOpsSuspensionStatus } from '../api/remediation.js';
import { restorePatch, suspendPatch, type ArgoHistoryEntry, type GitOpsObjectRef } from '../decide/owner-strategy.js';
import { mergePatch } from '../kube/clients.js';

/** The fields read from the owner's object. */
export interface GitOpsObject {
  spec?: Record<string, unknown>;
  history: ArgoHistoryEntry[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function historyOf(status: unknown): ArgoHistoryEntry[] {
  if (!isRecord(status) || !Array.isArray(status.history)) return [];
  return status.history.filter(isRecord).map((h) => ({
    ...(typeof h.id === 'number' ? { id: h.id } : {}),
    ...(typeof h.revision === 'string' ? { revision: h.revision } : {}),
    ...(typeof h.deployedAt === 'string' ? { deployedAt: h.deployedAt } : {}),
  }));
}

export class GitOpsSuspender {
  constructor(private readonly custom: k8s.CustomObjectsApi) {}

  async read(ref: Pick<GitOpsObjectRef, 'group' | 'version' | 'plural' | 'name' | 'namespace'>): Promise<GitOpsObject> {
    const obj: unknown = await this.custom.getNamespacedCustomObject({ group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace, name: ref.name });
    if (!isRecord(obj)) return { history: [] };
    return { ...(isRecord(obj.spec) ? { spec: obj.spec } : {}), history: historyOf(obj.status) };
  }

  async suspend(ref: GitOpsObjectRef): Promise<void> {
    await this.custom.patchNamespacedCustomObject({ group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace, name: ref.name, body: suspendPatch(ref) }, mergePatch());
  }

  async restore(s: GitOpsSuspensionStatus): Promise<void> {
    const ref = refOf(s);
    await this.custom.patchNamespacedCustomObject({ group: ref.group, version: ref.version, plural: ref.plural, namespace: s.namespace, name: s.name, body: restorePatch(s) }, mergePatch());
  }
}

/** The API coordinates of a recorded suspension. */
export function refOf(s: Pick<GitOpsSuspensionStatus, 'kind' | 'apiVersion' | 'name' | 'namespace'>): GitOpsObjectRef {
  const [group = '', version = ''] = s.apiVersion.split('/');
  const plural = s.kind === 'Application' ? 'applications' : s.kind === 'Kustomization' ? 'kustomizations' : 'helmreleases';
  return { group, version, plural, kind: s.kind, name: s.name, namespace: s.namespace };
}
