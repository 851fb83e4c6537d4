/**
 * The rollback's owner step (issue 15), between the guards and the plan: who owns the Deployment's manifest,
 * and what that means — proceed (plain, or Helm opted in: drift), refuse with the exact instruction, or record
 * the GitOps owner's automation to suspend (its previous value read now, BEFORE anything is changed, and kept
 * in the intent so a restart or a re-diagnosis never re-reads an already-suspended value).
 */
import type { RemediationStatus, GitOpsSuspensionStatus, OwnerStrategyStatus } from '../api/remediation.js';
import { Annotation, Reason } from '../api/reasons.js';
import type { KubeDeployment, KubeReplicaSet } from '../decide/kube-types.js';
import { argoApplicationRef, argoRevisionBefore, decideOwnerStrategy, previousValue, type ArgoHistoryEntry, type OwnerStrategyConfig } from '../decide/owner-strategy.js';
import { currentRevisionOf, ownedReplicaSets } from '../decide/replica-sets.js';
import { detectWorkloadOwner } from '../decide/workload-owner.js';
import { resolveOwnerStrategy, type OwnerPolicyCandidate } from '../decide/owner-strategy-source.js';
import { parseTime } from '../decide/time.js';
import type { RemediationContext } from '../ports/remediation.js';
import { statusCode } from '../runtime/kube-errors.js';
import type { GitOpsSuspender } from './gitops-suspend.js';

export interface OwnerStepDeps {
  config: OwnerStrategyConfig;
  gitops?: GitOpsSuspender;
  /** EscalationPolicies whose spec.ownerRollback may choose the strategy, in order (owner-policy.ts). */
  policies?: readonly OwnerPolicyCandidate[];
}

export interface OwnerStepResult {
  refusal?: RemediationStatus;
  gitops?: GitOpsSuspensionStatus;
  drift?: string;
  /** The strategy and which setting chose it (GitOps- and Helm-owned Deployments). */
  ownerStrategy?: OwnerStrategyStatus;
}

/** What to grant so the operator may act on the owner's objects (README, chart values gitops.*). */
function rbacHint(kind: GitOpsSuspensionStatus['kind']): string {
  return kind === 'Application'
    ? 'grant the operator get and patch on applications.argoproj.io (chart value gitops.argoCD.enabled=true)'
    : `grant the operator get and patch on ${kind === 'Kustomization' ? 'kustomizations.kustomize.toolkit.fluxcd.io' : 'helmreleases.helm.toolkit.fluxcd.io'} (chart value gitops.flux.enabled=true)`;
}

export async function ownerStep(
  d: OwnerStepDeps, ctx: RemediationContext, current: RemediationStatus,
  deployment: KubeDeployment, replicaSets: readonly KubeReplicaSet[], toRevision: number,
): Promise<OwnerStepResult> {
  const recorded = { ...(current.drift ? { drift: current.drift } : {}), ...(current.ownerStrategy ? { ownerStrategy: current.ownerStrategy } : {}) };
  if (current.gitops) return { gitops: current.gitops, ...recorded };
  if (current.state === 'Intended') return recorded;
  const owner = detectWorkloadOwner({
    namespace: ctx.incident.metadata.namespace, labels: deployment.metadata?.labels, annotations: deployment.metadata?.annotations, argoCdNamespace: d.config.argoCdNamespace,
  });
  if (owner.kind === 'Plain') return {};
  const owned = ownedReplicaSets(deployment, replicaSets);
  const fromRevision = currentRevisionOf(deployment, owned) ?? 0;
  // The Deployment's owner may only make the choice safer (`Instruct` overrides everything); then the
  // EscalationPolicy's spec.ownerRollback, then the operator config, then Instruct.
  const resolved = resolveOwnerStrategy({ ownerKind: owner.kind, annotation: deployment.metadata?.annotations?.[Annotation.ownerRollback], policies: d.policies ?? [], operator: d.config });
  const ownerStrategy = resolved.status;
  const chosen = ownerStrategy ? { ownerStrategy } : {};
  const refuse = (reason: string, message: string): OwnerStepResult => ({ refusal: { state: 'Refused', action: 'Rollback', reason, toRevision, fromRevision, message, ...chosen }, ...chosen });

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
  const decide = (config: OwnerStrategyConfig) => decideOwnerStrategy({
    owner, config, deployment: deployment.metadata?.name ?? '', namespace: ctx.incident.metadata.namespace, fromRevision, toRevision,
    argoRevertTo: owner.kind === 'ArgoCD' ? argoRevisionBefore(history, parseTime(bad?.replicaSet.metadata?.creationTimestamp)) : undefined,
  });
  const strategy = decide(resolved.config);
  const decidedBy = ownerStrategy ? ` [strategy ${ownerStrategy.strategy}: ${ownerStrategy.message}]` : '';
  if (strategy.action === 'Refuse') return refuse(strategy.reason, `${strategy.message}${decidedBy}`);
  if (strategy.action === 'Proceed') return { ...(strategy.drift ? { drift: strategy.drift } : {}), ...chosen };
  // Suspend: only with the object read (its previous value recorded before it is changed). Without the
  // RBAC for it (or the object), refuse with the exact instruction the default would give.
  if (!object || !d.gitops) {
    const instruct = decide({ ...d.config, argoCd: 'Instruct', flux: 'Instruct', helm: 'Instruct' });
    const how = instruct.action === 'Refuse' ? ` ${instruct.message.replace(/^not rolling back: /u, 'Instead: ')}` : '';
    const fix = readError?.endsWith('(Forbidden)') ? `; to let the operator suspend it, ${rbacHint(strategy.target.kind)}` : '';
    return refuse(Reason.GitOpsOwnerUnavailable, `not rolling back: ${owner.message}, and it cannot be suspended: ${readError ?? 'no client for GitOps objects'}${fix}.${how}${decidedBy}`);
  }
  const { field, previous } = previousValue(strategy.target, object);
  return {
    gitops: {
      kind: strategy.target.kind, apiVersion: `${strategy.target.group}/${strategy.target.version}`,
      name: strategy.target.name, namespace: strategy.target.namespace, field, previous,
    },
    ...chosen,
  };
}

/** Suspending was forbidden (RBAC allows reading the owner's object but not patching it): refuse, never retry. */
export function suspendForbidden(intent: RemediationStatus, g: GitOpsSuspensionStatus, now: Date): RemediationStatus {
  const { gitops: _, ...rest } = intent;
  return {
    ...rest, state: 'Refused', reason: Reason.GitOpsOwnerUnavailable, completedAt: now.toISOString(),
    message: `not rolling back: suspending ${g.kind} ${g.namespace}/${g.name} was forbidden; ${rbacHint(g.kind)}, or revert the change in its source`,
  };
}
