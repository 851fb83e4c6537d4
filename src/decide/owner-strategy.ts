/**
 * How to roll back a workload given who owns its manifest (src/decide/workload-owner.ts). Pure.
 * Safe defaults — a patch on a GitOps- or Helm-managed Deployment is drift that the owner reverts or
 * overwrites, so the operator refuses and says exactly what to do instead:
 *  - Argo CD: Instruct (which Application, which Git revision to go back to). Opt-in SuspendAutoSync:
 *    remove `spec.syncPolicy.automated` (auto-sync and self-heal), record the previous value, roll back,
 *    restore it when the incident resolves.
 *  - Flux (Kustomization, HelmRelease): Instruct. Opt-in Suspend: `spec.suspend: true`, restored on resolve.
 *  - Helm: Instruct `helm rollback`. Opt-in PatchDeployment: roll back the Deployment anyway (drift: the
 *    next `helm upgrade` overwrites it; said in the outcome).
 *  - Plain: roll back as always.
 */
import type { WorkloadOwnerStatus } from '../api/diagnosis.js';
import type { GitOpsSuspensionStatus } from '../api/remediation.js';
import { Reason } from '../api/reasons.js';

export type ArgoCdStrategy = 'Instruct' | 'SuspendAutoSync';
export type FluxStrategy = 'Instruct' | 'Suspend';
export type HelmStrategy = 'Instruct' | 'PatchDeployment';

/** Operator-wide choices (ROLLBACK_ARGOCD, ROLLBACK_FLUX, ROLLBACK_HELM, ARGOCD_NAMESPACE). */
export interface OwnerStrategyConfig {
  argoCd: ArgoCdStrategy;
  flux: FluxStrategy;
  helm: HelmStrategy;
  /** Where Argo CD Applications live when the tracking id does not say (default `argocd`). */
  argoCdNamespace: string;
  /** Which of ROLLBACK_ARGOCD / ROLLBACK_FLUX / ROLLBACK_HELM were set (status says "operator config", else "default"). */
  set?: Readonly<Partial<Record<'argoCD' | 'flux' | 'helm', boolean>>>;
}

export const DEFAULT_OWNER_STRATEGY: OwnerStrategyConfig = Object.freeze({ argoCd: 'Instruct', flux: 'Instruct', helm: 'Instruct', argoCdNamespace: 'argocd' });

/** The object whose automation is suspended. */
export interface GitOpsObjectRef {
  group: string;
  version: string;
  plural: string;
  kind: 'Application' | 'Kustomization' | 'HelmRelease';
  name: string;
  namespace: string;
}

/** One entry of an Argo CD Application's `status.history` (only the fields read). */
export interface ArgoHistoryEntry { id?: number; revision?: string; deployedAt?: string }

export interface OwnerStrategyInput {
  owner: WorkloadOwnerStatus;
  config: OwnerStrategyConfig;
  deployment: string;
  namespace: string;
  fromRevision: number;
  toRevision: number;
  /** Argo CD: the history entry that deployed the good revision (see argoRevisionBefore), when known. */
  argoRevertTo?: ArgoHistoryEntry;
}

export type OwnerStrategy =
  | { action: 'Proceed'; drift?: string }
  | { action: 'Refuse'; reason: string; message: string }
  | { action: 'Suspend'; target: GitOpsObjectRef };

export function argoApplicationRef(owner: WorkloadOwnerStatus): GitOpsObjectRef | undefined {
  if (owner.kind === 'ArgoCD' && owner.name && owner.namespace) return { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', kind: 'Application', name: owner.name, namespace: owner.namespace };
  if (owner.kind === 'FluxKustomization' && owner.name && owner.namespace) return { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', kind: 'Kustomization', name: owner.name, namespace: owner.namespace };
  if (owner.kind === 'FluxHelmRelease' && owner.name && owner.namespace) return { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases', kind: 'HelmRelease', name: owner.name, namespace: owner.namespace };
  return undefined;
}

/**
 * The Argo CD history entry that deployed the last good revision: the sync that brought the bad template
 * is the newest one at or before the bad ReplicaSet's creation (second granularity, so 1 s of slack);
 * the entry before that sync is the one to go back to.
 */
export function argoRevisionBefore(history: readonly ArgoHistoryEntry[], badCreatedAt: Date | undefined): ArgoHistoryEntry | undefined {
  if (!badCreatedAt) return undefined;
  const dated = history
    .filter((h) => h.deployedAt !== undefined && Number.isFinite(Date.parse(h.deployedAt)))
    .sort((a, b) => Date.parse(b.deployedAt!) - Date.parse(a.deployedAt!));
  const badSync = dated.findIndex((h) => Date.parse(h.deployedAt!) <= badCreatedAt.getTime() + 1000);
  return badSync >= 0 ? dated[badSync + 1] : undefined;
}

/**
 * The Application's history is written by whoever controls the Application or its repo: default-deny, a
 * revision is quoted only when it is a hex commit SHA (6–64 digits) or a plain semver tag (`v1.4.2`, `2.0.0-rc.1`) — never a
 * repo URL, branch or anything carrying credentials —, the deploy time only as a parsed date, the id only as
 * an integer. Otherwise the instruction points at `argocd app history`.
 */
const SafeRevision = /^(?:[0-9a-f]{6,64}|v?\d{1,6}\.\d{1,6}\.\d{1,6}(?:-(?:alpha|beta|rc|pre)(?:\.?\d{1,4})?)?)$/u;

function safeRevertTo(e: ArgoHistoryEntry | undefined): { revision: string; deployedAt?: string; id?: number } | undefined {
  if (!e || typeof e.revision !== 'string' || !SafeRevision.test(e.revision)) return undefined;
  const at = typeof e.deployedAt === 'string' ? Date.parse(e.deployedAt) : NaN;
  return {
    revision: e.revision,
    ...(Number.isFinite(at) ? { deployedAt: new Date(at).toISOString() } : {}),
    ...(typeof e.id === 'number' && Number.isSafeInteger(e.id) && e.id >= 0 ? { id: e.id } : {}),
  };
}

export function decideOwnerStrategy(input: OwnerStrategyInput): OwnerStrategy {
  const { owner, config } = input;
  const what = `roll back ${input.namespace}/${input.deployment} from revision ${input.fromRevision} to revision ${input.toRevision}`;
  switch (owner.kind) {
    case 'Plain':
      return { action: 'Proceed' };
    case 'ArgoCD': {
      const ref = argoApplicationRef(owner);
      if (config.argoCd === 'SuspendAutoSync' && ref) return { action: 'Suspend', target: ref };
      const app = `${owner.namespace}/${owner.name ?? '<name>'}`;
      const revertTo = safeRevertTo(input.argoRevertTo);
      const to = revertTo
        ? `revert the Application's source to Git revision ${revertTo.revision}${revertTo.deployedAt ? ` (deployed ${revertTo.deployedAt})` : ''}${revertTo.id !== undefined ? `, or with auto-sync off: argocd app rollback ${owner.name ?? '<name>'} ${revertTo.id}` : ''}`
        : `revert the Application's source in Git to the commit that deployed revision ${input.toRevision} (argocd app history ${owner.name ?? '<name>'})`;
      return {
        action: 'Refuse', reason: Reason.RollbackOwnedByGitOps,
        message: `not rolling back: ${owner.message} (${owner.evidence}); a patch would be reverted by auto-sync/self-heal. To ${what}: ${to}. ` +
          `Or opt in (EscalationPolicy spec.ownerRollback.argoCD: SuspendAutoSync, or ROLLBACK_ARGOCD=SuspendAutoSync) to let the operator suspend auto-sync of ${app} while it rolls back`,
      };
    }
    case 'FluxKustomization':
    case 'FluxHelmRelease': {
      const ref = argoApplicationRef(owner);
      if (config.flux === 'Suspend' && ref) return { action: 'Suspend', target: ref };
      const kind = owner.kind === 'FluxKustomization' ? 'kustomization' : 'helmrelease';
      return {
        action: 'Refuse', reason: Reason.RollbackOwnedByGitOps,
        message: `not rolling back: ${owner.message} (${owner.evidence}); a patch would be reverted at its next reconciliation. To ${what}: ` +
          `revert the change in its source (Git or chart version), or suspend it (flux suspend ${kind} ${owner.name ?? '<name>'} -n ${owner.namespace}) and roll back. ` +
          'Or opt in (EscalationPolicy spec.ownerRollback.flux: Suspend, or ROLLBACK_FLUX=Suspend) to let the operator suspend it while it rolls back',
      };
    }
    case 'Helm': {
      const release = owner.name ?? '<release>';
      if (config.helm === 'PatchDeployment') {
        return { action: 'Proceed', drift: `Helm release ${owner.namespace}/${release} still records the bad revision: this patch is drift, the next helm upgrade overwrites it (helm rollback ${release} -n ${owner.namespace} makes it permanent)` };
      }
      return {
        action: 'Refuse', reason: Reason.RollbackOwnedByHelm,
        message: `not rolling back: ${owner.message} (${owner.evidence}); patching it would be drift. To ${what}: ` +
          `helm rollback ${release} -n ${owner.namespace} (the previous release revision; see helm history ${release} -n ${owner.namespace}). ` +
          'Or opt in (EscalationPolicy spec.ownerRollback.helm: PatchDeployment, or ROLLBACK_HELM=PatchDeployment) to let the operator patch the Deployment',
      };
    }
  }
}

/** Argo CD: `spec.syncPolicy.automated` off; Flux: `spec.suspend: true`. JSON merge patches. */
export function suspendPatch(ref: GitOpsObjectRef): Record<string, unknown> {
  return ref.kind === 'Application' ? { spec: { syncPolicy: { automated: null } } } : { spec: { suspend: true } };
}

/** The field suspended and its value before (JSON; `null` when it was absent). */
export function previousValue(ref: GitOpsObjectRef, obj: { spec?: Record<string, unknown> } | undefined): { field: string; previous: string } {
  if (ref.kind === 'Application') {
    const sp = obj?.spec?.syncPolicy;
    const automated = sp && typeof sp === 'object' && 'automated' in sp ? (sp as Record<string, unknown>).automated : undefined;
    return { field: 'spec.syncPolicy.automated', previous: JSON.stringify(automated ?? null) };
  }
  return { field: 'spec.suspend', previous: JSON.stringify(obj?.spec?.suspend ?? null) };
}

/** The merge patch that puts the recorded value back. */
export function restorePatch(s: Pick<GitOpsSuspensionStatus, 'kind' | 'previous'>): Record<string, unknown> {
  let value: unknown;
  try { value = JSON.parse(s.previous); } catch { value = null; }
  return s.kind === 'Application' ? { spec: { syncPolicy: { automated: value } } } : { spec: { suspend: value } };
}
