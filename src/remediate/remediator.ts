/**
 * The remediate phase. Rollback: guards → plan → ask for the intent to be recorded in status → JSON
 * patch with a resourceVersion test → outcome. A recorded intent is resumed, never repeated: the
 * Deployment itself says whether this incident's rollback already landed (annotation written by the same
 * patch). Query termination lives in query-terminator.ts. The remediator never writes status: it returns
 * a RemediationStep, and `persist` asks the reconciler to write the intent before it is called again.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Incident } from '../api/incident.js';
import type { RemediationStatus } from '../api/remediation.js';
import { Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { evaluateRollbackGuards, isRollbackOptedOut, parseRollbackHistory, proveRevision, ROLLBACK_HISTORY_ANNOTATION } from '../decide/rollback-guards.js';
import { planRollback } from '../decide/rollback-plan.js';
import { REVISION_ANNOTATION, type KubeDeployment, type KubeReplicaSet } from '../decide/kube-types.js';
import { podTemplatesEqualIgnoringHash } from '../decide/template-equality.js';
import { ownedReplicaSets } from '../decide/replica-sets.js';
import type { Logger } from '../log.js';
import type { Clock } from '../runtime/clock.js';
import { isPermanent, statusCode } from '../runtime/kube-errors.js';
import type { RemediationContext, RemediationStep, Remediator } from '../ports/remediation.js';
import { applyRollbackPatch, rollbackAlreadyApplied, withRollbackRecord } from './rollback-executor.js';
import { QueryTerminator } from './query-terminator.js';
import { consentRecord, notPermitted, remediationConsent, type NamespaceLabels } from './consent.js';
import { ownerStep, suspendForbidden } from './owner-step.js';
import { ownerPolicyCandidates } from './owner-policy.js';
import type { PolicyObject, ReadCache } from '../ports/caches.js';
import { refOf, type GitOpsSuspender } from './gitops-suspend.js';
import { templateHashOf } from '../decide/replica-sets.js';
import { BlastRadiusLedger, decideBlastRadius, rollbacksOnRecord } from '../decide/blast-radius.js';
import type { KubeStatefulSet } from '../decide/statefulset-rollback.js';
import { StatefulSetRollback } from './statefulset-rollback.js';

export interface RemediatorDeps {
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  clock: Clock;
  /** Called with the time the rollback patch was accepted (bench / metrics). */
  onRollback?(namespace: string, deployment: string, fromRevision: number, toRevision: number): void;
  /** Query termination (default: a QueryTerminator over the same clients). */
  terminator?: Remediator;
  /** Namespace labels from the cache (the owner's consent may be on the Namespace). */
  namespaceLabels?: NamespaceLabels;
  /** Every Incident (the incidents cache): the per-server termination ledger is their recorded intents. */
  incidents?: () => readonly Incident[];
  /** GitOps owners' objects (Argo CD Application, Flux Kustomization/HelmRelease): read, suspend, restore. */
  gitops?: GitOpsSuspender;
  /** Every Deployment in the caches (the blast-radius budget counts their rollback-history annotations). */
  deployments?: () => readonly KubeDeployment[];
  /** Blast-radius slots granted in this process, shared with the crash-loop detector's fast path (issue 17). */
  ledger?: BlastRadiusLedger;
  /** Every StatefulSet in the caches (their rollbacks count against the same budget). */
  statefulSets?: () => readonly KubeStatefulSet[];
  /** EscalationPolicies (their spec.ownerRollback chooses an owner's rollback strategy per policy). */
  policies?: ReadCache<PolicyObject>;
}

const done = (record: RemediationStatus): RemediationStep => ({ record });

export class RunbookRemediator implements Remediator {
  private readonly terminator: Remediator;
  private readonly ledger: BlastRadiusLedger;
  private readonly statefulSets: StatefulSetRollback;

  constructor(private readonly d: RemediatorDeps) {
    this.ledger = d.ledger ?? new BlastRadiusLedger();
    this.statefulSets = new StatefulSetRollback({ ...d, budget: (now) => this.blastRadius(now), reserve: (key, now) => this.ledger.reserve(key, now) });
    this.terminator = d.terminator ?? new QueryTerminator({ core: d.core, config: d.config, log: d.log, clock: d.clock, namespaceLabels: d.namespaceLabels, incidents: d.incidents });
  }

  async remediate(ctx: RemediationContext): Promise<RemediationStep> {
    const current = ctx.status.remediation ?? { state: 'None' };
    if (current.state !== 'None' && current.state !== 'Intended' && current.state !== 'AwaitingApproval') return done(current);
    const action = ctx.diagnosis.proposal.action;
    if (action === 'Rollback' && ctx.target?.statefulSet) return this.statefulSets.rollback(ctx, current); // issue 15: statefulset-rollback.ts
    if (action === 'Rollback') return this.rollbackToLastKnownGood(ctx, current);
    if (action === 'TerminateQueries') return this.terminator.remediate(ctx);
    return done({ state: 'Skipped', reason: Reason.NothingToRemediate, message: 'nothing to remediate' });
  }

  private async rollbackToLastKnownGood(ctx: RemediationContext, current: RemediationStatus): Promise<RemediationStep> {
    const { incident, target, now } = ctx;
    const deployment = target?.deployment;
    const uid = incident.metadata.uid ?? incident.metadata.name;
    if (!deployment || !target) return done({ state: 'Failed', action: 'Rollback', reason: Reason.TargetNotFound, message: 'target Deployment not found' });
    const dName = deployment.metadata?.name ?? '';

    // Resume a recorded intent: did our patch land before a restart?
    if (current.state === 'Intended' && rollbackAlreadyApplied(deployment, uid)) {
      return done({ ...current, state: 'Succeeded', reason: Reason.RolledBack, completedAt: now.toISOString(), message: `rolled back to revision ${current.toRevision} (the patch had landed: confirmed from the Deployment's rolled-back-by record)` });
    }
    const toRevision = ctx.diagnosis.proposal.toRevision ?? current.toRevision;
    if (toRevision === undefined) return done({ state: 'Failed', action: 'Rollback', reason: Reason.NoTargetRevision, message: 'no revision to roll back to' });

    // Only with the consent of the target's owner (label on the Deployment or its Namespace).
    const consent = remediationConsent(this.d.config, ctx, this.d.namespaceLabels);
    const refusal = notPermitted(consent, 'Rollback', toRevision);
    if (refusal) return done(refusal);

    const guard = evaluateRollbackGuards({
      policy: incident.spec.rollback?.policy ?? 'Automatic',
      approved: incident.spec.rollback?.approved === true,
      optOutAnnotation: isRollbackOptedOut(deployment),
      paused: deployment.spec?.paused === true,
      dryRun: this.d.config.dryRun,
      recentRollbacks: parseRollbackHistory(deployment.metadata?.annotations?.[ROLLBACK_HISTORY_ANNOTATION]),
      rateLimit: this.d.config.rollbackRateLimit,
      now,
      intentAlreadyRecorded: current.state === 'Intended' && current.intendedAt ? { toRevision, recordedAt: new Date(current.intendedAt) } : undefined,
      // Never to an unproven revision unless explicitly allowed.
      revision: proveRevision({
        toRevision,
        requested: incident.spec.rollback?.toRevision !== undefined,
        existingRevisions: ownedReplicaSets(deployment, target.replicaSets).map((r) => r.revision),
        lastKnownGood: ctx.diagnosis.history?.lastKnownGood,
        allowUnverified: incident.spec.rollback?.allowUnverified === true || this.d.config.rollbackAllowUnverified,
      }),
    });
    if (!guard.allowed) {
      if (guard.reason === 'AwaitingApproval') {
        const message = `proposed: roll back to revision ${toRevision}; approve with kubectl incident approve-rollback ${incident.metadata.name}`;
        const record: RemediationStatus = { state: 'AwaitingApproval', action: 'Rollback', reason: Reason.RollbackProposed, toRevision, message };
        return { record, notes: current.state === 'AwaitingApproval' ? [] : [{ type: 'RollbackProposed', reason: Reason.RollbackProposed, message }] };
      }
      return done({ state: 'Refused', action: 'Rollback', reason: guard.reason, toRevision, message: `rollback refused (${guard.reason}): ${guard.message}` });
    }

    // Who owns the manifest (issue 15): refuse with the instruction, or record the GitOps suspension first.
    const policies = ownerPolicyCandidates(this.d.policies, incident, this.d.config.operatorNamespace, this.d.config.escalationPolicy);
    const owner = await ownerStep({ config: this.d.config.owners, gitops: this.d.gitops, policies }, ctx, current, deployment, target.replicaSets, toRevision);
    if (owner.refusal) return done(owner.refusal);

    const plan = planRollback(deployment, target.replicaSets, toRevision);
    if (plan.action === 'Refuse') return done({ state: 'Refused', action: 'Rollback', reason: plan.reason, toRevision, message: plan.message });
    if (plan.action === 'Skip') return done({ state: 'Skipped', action: 'Rollback', reason: Reason.RollbackSkipped, toRevision, message: plan.message, completedAt: now.toISOString() });

    // Resumed intent whose Deployment moved on: if it already runs the target template, it is done.
    if (current.state === 'Intended' && current.fromGeneration !== undefined && current.fromGeneration !== deployment.metadata?.generation) {
      const wanted = ownedReplicaSets(deployment, target.replicaSets).find((r) => r.revision === toRevision);
      if (wanted && podTemplatesEqualIgnoringHash(deployment.spec?.template, wanted.replicaSet.spec?.template)) {
        return done({ ...current, state: 'Succeeded', reason: Reason.RolledBack, completedAt: now.toISOString(), message: `Deployment already at the template of revision ${toRevision}` });
      }
      return done({ state: 'None', action: 'Rollback', reason: Reason.RollbackConflict, message: 'the Deployment changed after the rollback was decided; re-diagnosing', ...(current.gitops ? { gitops: current.gitops } : {}) });
    }

    // Intent before action: ask the reconciler to record it, then come back here (state Intended).
    const intent: RemediationStatus = current.state === 'Intended' ? current : {
      state: 'Intended', action: 'Rollback', reason: Reason.RollbackIntended, intendedAt: now.toISOString(),
      fromRevision: plan.fromRevision, toRevision: plan.toRevision, fromResourceVersion: deployment.metadata?.resourceVersion, fromGeneration: deployment.metadata?.generation,
      message: `rolling back ${dName} from revision ${plan.fromRevision} to revision ${plan.toRevision}`,
      consent: consentRecord(consent),
      ...hashesOf(target.replicaSets, plan),
      ...(owner.gitops ? { gitops: owner.gitops } : {}),
      ...(owner.drift ? { drift: owner.drift } : {}),
      ...(owner.ownerStrategy ? { ownerStrategy: owner.ownerStrategy } : {}),
    };
    if (current.state !== 'Intended') {
      // Cluster-wide blast radius (issue 15): a slot is reserved synchronously, before the intent is written.
      const key = `${incident.metadata.namespace}/${dName}`;
      const budget = this.blastRadius(now);
      if (!budget.allowed) {
        const record: RemediationStatus = { state: 'None', action: 'Rollback', reason: Reason.BlastRadiusBudgetExhausted, toRevision, message: `rollback of ${dName} waits: ${budget.message}` };
        return { record, retryAfterMs: Math.max(500, budget.retryAt.getTime() - now.getTime()), notes: current.reason === Reason.BlastRadiusBudgetExhausted ? [] : [{ type: 'RollbackDeferred', reason: Reason.BlastRadiusBudgetExhausted, message: record.message!, warn: true }] };
      }
      this.ledger.reserve(key, now);
      return { record: intent, persist: { type: 'RollbackIntended', reason: Reason.RollbackIntended, message: intent.message! } };
    }
    if (this.d.config.failpoint === 'exit-after-rollback-intent') process.kill(process.pid, 'SIGKILL');
    let suspended: RemediationStatus;
    try {
      suspended = await this.suspendOwner(intent);
    } catch (e) {
      if (statusCode(e) !== 403 || !intent.gitops) throw e;
      return done(suspendForbidden(intent, intent.gitops, this.d.clock.now()));
    }
    return this.patchDeployment(ctx, deployment, toRevision, suspended, plan);
  }

  /** Rollbacks counted against the cluster-wide budget: history annotations, recorded intents, this process's slots. */
  private blastRadius(now: Date): ReturnType<typeof decideBlastRadius> {
    const budget = this.d.config.rollbackBudget;
    const onRecord = rollbacksOnRecord([...this.d.deployments?.() ?? [], ...this.d.statefulSets?.() ?? []], this.d.incidents?.() ?? []);
    return decideBlastRadius({ now, budget, ...onRecord, reserved: this.ledger.snapshot(now, budget.windowSeconds) });
  }

  /** The recorded GitOps suspension, performed (idempotent: the previous value was recorded before). */
  private async suspendOwner(intent: RemediationStatus): Promise<RemediationStatus> {
    const g = intent.gitops;
    if (!g || g.suspendedAt || !this.d.gitops) return intent;
    await this.d.gitops.suspend(refOf(g));
    this.d.log.info('suspended the GitOps owner', { kind: g.kind, name: `${g.namespace}/${g.name}`, field: g.field });
    return { ...intent, gitops: { ...g, suspendedAt: this.d.clock.now().toISOString() } };
  }

  /** After the incident resolved: put the GitOps owner's automation back as recorded (retried until it lands). */
  async release(record: RemediationStatus): Promise<RemediationStatus | undefined> {
    const g = record.gitops;
    if (!g || g.restoredAt || !this.d.gitops) return undefined;
    try {
      await this.d.gitops.restore(g);
    } catch (e) {
      if (statusCode(e) === 404) return { ...record, gitops: { ...g, restoredAt: this.d.clock.now().toISOString(), restoreError: 'the object no longer exists' } };
      return { ...record, gitops: { ...g, restoreError: `restore failed (HTTP ${statusCode(e) ?? 'error'})` } };
    }
    this.d.log.info('restored the GitOps owner', { kind: g.kind, name: `${g.namespace}/${g.name}`, field: g.field });
    const { restoreError: _, ...rest } = g;
    return { ...record, gitops: { ...rest, restoredAt: this.d.clock.now().toISOString() } };
  }

  /**
   * The resourceVersion test also fails when only the Deployment's status moved (a rollout in progress
   * updates it constantly). Then re-read and re-plan against the fresh object — its template is checked
   * again — and retry; a changed generation is a concurrent deploy: re-diagnose.
   */
  private async patchDeployment(ctx: RemediationContext, deployment: KubeDeployment, toRevision: number, intent: RemediationStatus, first: Extract<ReturnType<typeof planRollback>, { action: 'Patch' }>): Promise<RemediationStep> {
    const ns = ctx.incident.metadata.namespace;
    const dName = deployment.metadata?.name ?? '';
    const uid = ctx.incident.metadata.uid ?? ctx.incident.metadata.name;
    const replicaSets = ctx.target?.replicaSets ?? [];
    let plan = first;
    let outcome = await applyRollbackPatch(this.d.apps, ns, dName, withRollbackRecord(plan, deployment, uid, ctx.now));
    for (let attempt = 0; !outcome.ok && outcome.conflict && attempt < 5; attempt++) {
      const fresh = (await this.d.apps.readNamespacedDeployment({ name: dName, namespace: ns })) as KubeDeployment;
      if (fresh.metadata?.generation !== deployment.metadata?.generation) break;
      const again = planRollback(fresh, replicaSets, toRevision);
      if (again.action !== 'Patch') break;
      plan = again;
      outcome = await applyRollbackPatch(this.d.apps, ns, dName, withRollbackRecord(plan, fresh, uid, ctx.now));
    }
    if (!outcome.ok) {
      if (outcome.conflict) return done({ state: 'None', action: 'Rollback', reason: Reason.RollbackConflict, message: `${outcome.message}; re-diagnosing`, ...(intent.gitops ? { gitops: intent.gitops } : {}) });
      if (outcome.error !== undefined && isPermanent(outcome.error)) {
        // Retrying a 403 or a validation error cannot help: say so and escalate.
        const forbidden = statusCode(outcome.error) === 403;
        return done({ ...intent, state: 'Failed', reason: forbidden ? Reason.RollbackForbidden : Reason.RollbackInvalid, completedAt: this.d.clock.now().toISOString(), message: `rollback of ${dName} rejected: ${outcome.message}` });
      }
      throw new Error(`rollback of ${ns}/${dName}: ${outcome.message}`); // retried with backoff; intent stays recorded
    }
    this.d.onRollback?.(ns, dName, plan.fromRevision, plan.toRevision);
    this.d.log.info('rolled back', { incident: `${ns}/${ctx.incident.metadata.name}`, deployment: dName, from: plan.fromRevision, to: plan.toRevision });
    const drift = intent.drift ? ` (drift: ${intent.drift})` : '';
    const suspended = intent.gitops ? ` (${intent.gitops.kind} ${intent.gitops.namespace}/${intent.gitops.name}: ${intent.gitops.field} suspended until the incident resolves)` : '';
    const record: RemediationStatus = { ...intent, state: 'Succeeded', reason: Reason.RolledBack, completedAt: this.d.clock.now().toISOString(), message: `rolled back ${dName} from revision ${plan.fromRevision} to revision ${plan.toRevision}${suspended}${drift}` };
    const g = intent.gitops;
    return { record, notes: g ? [{ type: 'GitOpsSuspended', reason: Reason.GitOpsSuspended, message: `${g.kind} ${g.namespace}/${g.name}: ${g.field} suspended (was ${g.previous}) until the incident resolves` }] : [] };
  }
}

/** pod-template-hash of the revisions rolled back from and to (a reverted rollback is told by the first one). */
function hashesOf(replicaSets: readonly KubeReplicaSet[], plan: { fromRevision: number; toReplicaSet: string }): { fromTemplateHash?: string; toTemplateHash?: string } {
  const to = replicaSets.find((r) => r.metadata?.name === plan.toReplicaSet);
  const from = replicaSets.find((r) => r.metadata?.annotations?.[REVISION_ANNOTATION] === String(plan.fromRevision));
  const toHash = to ? templateHashOf(to) : undefined;
  const fromHash = from ? templateHashOf(from) : undefined;
  return { ...(fromHash ? { fromTemplateHash: fromHash } : {}), ...(toHash ? { toTemplateHash: toHash } : {}) };
}
