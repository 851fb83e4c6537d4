/**
 * The rollback's owner step (issue 15), between the guards and the plan: who owns the Deployment's manifest,
 * and what that means — proceed (plain, or Helm opted in: drift), refuse with the exact instruction, or record
 * the GitOps owner's automation to suspend (its previous value read now, BEFORE anything is changed, and kept
 * in the intent so a restart or a re-diagnosis never re-reads an already-suspended value).
 */
import type { RemediationStatus, GitOpsSuspensionStatus } from '../api/remediation.js';
import { Annotation, Reason } from '../api/reasons.js';
import type { KubeDeployment, KubeReplicaSet } from '../decide/kube-types.js';
import { argoApplicationRef, argoRevisionBefore, decideOwnerStrategy, previousValue, type ArgoHistoryEntry, type OwnerStrategyConfig } from '../decide/owner-strategy.js';
import { currentRevisionOf, ownedReplicaSets } from '../decide/replica-sets.js';
import { detectWorkloadOwner } from '../decide/workload-owner.js';
import { parseTime } from '../decide/time.js';
import type { RemediationContext } from '../ports/remediation.js';
import { statusCode } from '../runtime/kube-errors.js';
import type { GitOpsSuspender } from './gitops-suspend.js';

export interface OwnerStepDeps {
  config: OwnerStrategyConfig;
  gitops?: GitOpsSuspender;
}

export interface OwnerStepResult {
  refusal?: RemediationStatus;
  gitops?: GitOpsSuspensionStatus;
  drift?: string;
}

export async function ownerStep(
  d: OwnerStepDeps, ctx: RemediationContext, current: RemediationStatus,
  deployment: KubeDeployment, replicaSets: readonly KubeReplicaSet[], toRevision: number,
): Promise<OwnerStepResult> {
  if (current.gitops) return { gitops: current.gitops, ...(current.drift ? { drift: current.drift } : {}) };
  if (current.state === 'Intended') return current.drift ? { drift: current.drift } : {};
  const owner = detectWorkloadOwner({
    namespace: ctx.incident.metadata.namespace, labels: deployment.metadata?.labels, annotations: deployment.metadata?.annotations, argoCdNamespace: d.config.argoCdNamespace,
  });
  if (owner.kind === 'Plain') return {};
  const owned = ownedReplicaSets(deployment, replicaSets);
  const fromRevision = currentRevisionOf(deployment, owned) ?? 0;
  const refuse = (reason: string, message: string): OwnerStepResult => ({ refusal: { state: 'Refused', action: 'Rollback', reason, toRevision, fromRevision, message } });

  const ref = argoApplicationRef(owner);
  let object: Awaited<ReturnType<GitOpsSuspender['read']>> | undefined;
  let readError: string | undefined;
  if (ref && d.gitops) {
    try {
      object = await d.gitops.read(ref);
    } catch (e) {
      const code = statusCode(e);
      // The instance label alone, naming no Application: not Argo CD after all (Helm and others set it too).
      if (code === 404 && owner.kind === 'ArgoCD' && owner.evidence.startsWith('label ')) return {};
      if (code !== 404 && code !== 403) throw e;
      readError = code === 404 ? `${ref.kind} ${ref.namespace}/${ref.name} not found` : `${ref.kind} ${ref.namespace}/${ref.name} not readable (Forbidden)`;
    }
  }
  const bad = owned.find((r) => r.revision === fromRevision);
  const history: ArgoHistoryEntry[] = object?.history ?? [];
  // The Deployment's owner may only make the choice safer: `Instruct` overrides an opt-in, never the reverse.
  const config: OwnerStrategyConfig = deployment.metadata?.annotations?.[Annotation.ownerRollback] === 'Instruct'
    ? { ...d.config, argoCd: 'Instruct', flux: 'Instruct', helm: 'Instruct' } : d.config;
  const strategy = decideOwnerStrategy({
    owner, config, deployment: deployment.metadata?.name ?? '', namespace: ctx.incident.metadata.namespace, fromRevision, toRevision,
    argoRevertTo: owner.kind === 'ArgoCD' ? argoRevisionBefore(history, parseTime(bad?.replicaSet.metadata?.creationTimestamp)) : undefined,
  });
  if (strategy.action === 'Refuse') return refuse(strategy.reason, strategy.message);
  if (strategy.action === 'Proceed') return strategy.drift ? { drift: strategy.drift } : {};
  // Suspend: only with the object read (its previous value recorded before it is changed).
  if (!object || !d.gitops) {
    return refuse(Reason.GitOpsOwnerUnavailable, `not rolling back: ${owner.message}, and it cannot be suspended: ${readError ?? 'no client for GitOps objects'}; fix the source of the manifest`);
  }
  const { field, previous } = previousValue(strategy.target, object);
  return {
    gitops: {
      kind: strategy.target.kind, apiVersion: `${strategy.target.group}/${strategy.target.version}`,
      name: strategy.target.name, namespace: strategy.target.namespace, field, previous,
    },
  };
}
