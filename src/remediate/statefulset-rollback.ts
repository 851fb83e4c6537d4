/**
 * Rollback of a StatefulSet target (issue 15), with the Deployment rollback's guards: the owner's consent →
 * the plan (refused for OnDelete and partition > 0: a rollback would not take effect) → the manifest's owner
 * (GitOps/Helm: refused with the instruction) → the guard chain (policy, opt-out, proven revision, rate limit,
 * dry run) → the cluster-wide blast-radius budget → intent recorded in status → the JSON patch (with the
 * record on the StatefulSet) → the bad revision's broken pods restarted. A recorded intent is resumed, never
 * repeated: the StatefulSet's rolled-back-by annotation (written by the same patch) says whether it landed.
 */
import type * as k8s from '@kubernetes/client-node';
import type { RemediationStatus, StatefulSetRollbackStatus } from '../api/remediation.js';
import { Reason } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import type { BlastRadiusDecision } from '../decide/blast-radius.js';
import { evaluateRollbackGuards } from '../decide/rollback-guards.js';
import { podsToRestart } from '../decide/statefulset-history.js';
import { knownGoodRule, resumeStatefulSetIntent, statefulSetGuardInput, statefulSetRollbackApplied, withStatefulSetRollbackRecord, type StatefulSetPatchPlan } from '../decide/statefulset-remediation.js';
import { planStatefulSetRollback, type KubeStatefulSet } from '../decide/statefulset-rollback.js';
import type { Logger } from '../log.js';
import type { RemediationContext, RemediationStep } from '../ports/remediation.js';
import type { Clock } from '../runtime/clock.js';
import { isPermanent, statusCode } from '../runtime/kube-errors.js';
import { consentRecord, notPermitted, remediationConsent, type NamespaceLabels } from './consent.js';
import { applyStatefulSetPatch, restartPods } from './statefulset-rollback-executor.js';

export interface StatefulSetRollbackDeps {
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  config: OperatorConfig;
  log: Logger;
  clock: Clock;
  namespaceLabels?: NamespaceLabels;
  /** The cluster-wide blast-radius budget (shared with Deployment rollbacks). */
  budget(now: Date): BlastRadiusDecision;
  /** Reserve a budget slot for `namespace/name` (synchronously, before the intent is written). */
  reserve(key: string, now: Date): void;
}

const done = (record: RemediationStatus): RemediationStep => ({ record });

/** How long the bad revision's pods wait for the controller to observe the rollback (then they are restarted anyway). */
const OBSERVE_TIMEOUT_MS = 30_000;

function controllerObserved(sts: KubeStatefulSet, intent: RemediationStatus): boolean {
  const to = intent.statefulSet?.toControllerRevision;
  return (sts.status?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0) && to !== undefined && sts.status?.updateRevision === to;
}

export class StatefulSetRollback {
  constructor(private readonly d: StatefulSetRollbackDeps) {}

  async rollback(ctx: RemediationContext, current: RemediationStatus): Promise<RemediationStep> {
    const { incident, target, now } = ctx;
    const sts = target?.statefulSet;
    if (!sts || !target) return done({ state: 'Failed', action: 'Rollback', reason: Reason.TargetNotFound, message: 'target StatefulSet not found' });
    const name = sts.metadata?.name ?? '';
    const uid = incident.metadata.uid ?? incident.metadata.name;
    const revisions = target.controllerRevisions ?? [];

    // Resume a recorded intent whose patch landed before a restart: only the pod restart may be left.
    if (current.state === 'Intended' && statefulSetRollbackApplied(sts, uid)) return this.restartAndFinish(ctx, sts, current, 'the patch had landed: confirmed from the StatefulSet\'s rolled-back-by record');

    const toRevision = ctx.diagnosis.proposal.toRevision ?? current.toRevision;
    if (toRevision === undefined) return done({ state: 'Failed', action: 'Rollback', reason: Reason.NoTargetRevision, message: 'no revision to roll back to' });

    const consent = remediationConsent(this.d.config, ctx, this.d.namespaceLabels);
    const refusal = notPermitted(consent, 'Rollback', toRevision);
    if (refusal) return done(refusal);

    // A recorded intent whose StatefulSet changed since (the controller renumbers the reused revision).
    if (current.state === 'Intended') {
      const resumed = resumeStatefulSetIntent(current, sts);
      if (resumed === 'AlreadyThere') return this.restartAndFinish(ctx, sts, current, `StatefulSet already at ControllerRevision ${current.statefulSet?.toControllerRevision ?? ''}`);
      if (resumed === 'Conflict') return done({ state: 'None', action: 'Rollback', reason: Reason.RollbackConflict, message: 'the StatefulSet changed after the rollback was decided; re-diagnosing' });
    }

    // Where a rollback would not take effect (OnDelete, partition > 0): refuse with the reason, and escalate.
    const plan = planStatefulSetRollback(sts, revisions, toRevision);
    if (plan.action === 'Refuse') {
      const message = `rollback refused (${plan.reason}): ${plan.message}`;
      return { record: { state: 'Refused', action: 'Rollback', reason: plan.reason, toRevision, message }, notes: [{ type: 'RollbackRefused', reason: plan.reason, message, warn: true }] };
    }
    if (plan.action === 'Skip') return done({ state: 'Skipped', action: 'Rollback', reason: Reason.RollbackSkipped, toRevision, message: plan.message, completedAt: now.toISOString() });

    // A GitOps- or Helm-owned StatefulSet: its owner would put the bad template back (suspension: Deployments only).
    const owner = ctx.diagnosis.owner;
    if (owner && owner.kind !== 'Plain' && current.state !== 'Intended') {
      const reason = owner.kind === 'Helm' ? Reason.RollbackOwnedByHelm : Reason.RollbackOwnedByGitOps;
      return done({ state: 'Refused', action: 'Rollback', reason, toRevision, fromRevision: plan.fromRevision, message: `not rolling back StatefulSet ${name}: ${owner.message}; roll back at the source of the manifest` });
    }

    const lkg = ctx.diagnosis.history?.lastKnownGood;
    const requested = incident.spec.rollback?.toRevision !== undefined;
    const guard = evaluateRollbackGuards(statefulSetGuardInput({
      sts, revisions, toRevision, requested, lastKnownGood: lkg,
      policy: incident.spec.rollback?.policy ?? 'Automatic', approved: incident.spec.rollback?.approved === true,
      dryRun: this.d.config.dryRun, allowUnverified: incident.spec.rollback?.allowUnverified === true || this.d.config.rollbackAllowUnverified,
      rateLimit: this.d.config.rollbackRateLimit, now,
      ...(current.state === 'Intended' && current.intendedAt ? { intent: { toRevision, recordedAt: new Date(current.intendedAt) } } : {}),
    }));
    if (!guard.allowed) {
      if (guard.reason === 'AwaitingApproval') {
        const message = `proposed: roll back StatefulSet ${name} to revision ${toRevision}; approve with kubectl incident approve-rollback ${incident.metadata.name}`;
        const record: RemediationStatus = { state: 'AwaitingApproval', action: 'Rollback', reason: Reason.RollbackProposed, toRevision, message };
        return { record, notes: current.state === 'AwaitingApproval' ? [] : [{ type: 'RollbackProposed', reason: Reason.RollbackProposed, message }] };
      }
      return done({ state: 'Refused', action: 'Rollback', reason: guard.reason, toRevision, message: `rollback refused (${guard.reason}): ${guard.message}` });
    }

    if (current.state !== 'Intended') {
      const budget = this.d.budget(now);
      if (!budget.allowed) {
        const record: RemediationStatus = { state: 'None', action: 'Rollback', reason: Reason.BlastRadiusBudgetExhausted, toRevision, message: `rollback of StatefulSet ${name} waits: ${budget.message}` };
        return { record, retryAfterMs: Math.max(500, budget.retryAt.getTime() - now.getTime()), notes: current.reason === Reason.BlastRadiusBudgetExhausted ? [] : [{ type: 'RollbackDeferred', reason: Reason.BlastRadiusBudgetExhausted, message: record.message!, warn: true }] };
      }
      const statefulSet: StatefulSetRollbackStatus = {
        fromControllerRevision: sts.status?.updateRevision ?? '', toControllerRevision: plan.toControllerRevision, knownGoodRule: knownGoodRule(lkg, plan.toRevision, requested),
      };
      const intent: RemediationStatus = {
        state: 'Intended', action: 'Rollback', reason: Reason.RollbackIntended, intendedAt: now.toISOString(),
        fromRevision: plan.fromRevision, toRevision: plan.toRevision, fromResourceVersion: sts.metadata?.resourceVersion, fromGeneration: sts.metadata?.generation,
        message: `rolling back StatefulSet ${name} from revision ${plan.fromRevision} to revision ${plan.toRevision} (ControllerRevision ${plan.toControllerRevision}, chosen by rule ${statefulSet.knownGoodRule})`,
        consent: consentRecord(consent), statefulSet,
      };
      this.d.reserve(`${incident.metadata.namespace}/${name}`, now);
      return { record: intent, persist: { type: 'RollbackIntended', reason: Reason.RollbackIntended, message: intent.message! } };
    }
    return this.patch(ctx, sts, toRevision, current, plan);
  }

  /** The patch; a resourceVersion conflict from a status-only change is re-planned on the fresh object (same generation). */
  private async patch(ctx: RemediationContext, sts: KubeStatefulSet, toRevision: number, intent: RemediationStatus, first: StatefulSetPatchPlan): Promise<RemediationStep> {
    const ns = ctx.incident.metadata.namespace;
    const name = sts.metadata?.name ?? '';
    const uid = ctx.incident.metadata.uid ?? ctx.incident.metadata.name;
    const revisions = ctx.target?.controllerRevisions ?? [];
    let outcome = await applyStatefulSetPatch(this.d.apps, ns, name, withStatefulSetRollbackRecord(first, sts, uid, ctx.now));
    for (let attempt = 0; !outcome.ok && outcome.conflict && attempt < 5; attempt++) {
      const fresh: KubeStatefulSet = await this.d.apps.readNamespacedStatefulSet({ name, namespace: ns });
      if (fresh.metadata?.generation !== sts.metadata?.generation) break;
      const again = planStatefulSetRollback(fresh, revisions, toRevision);
      if (again.action !== 'Patch') break;
      outcome = await applyStatefulSetPatch(this.d.apps, ns, name, withStatefulSetRollbackRecord(again, fresh, uid, ctx.now));
    }
    if (!outcome.ok) {
      if (outcome.conflict) return done({ state: 'None', action: 'Rollback', reason: Reason.RollbackConflict, message: `${outcome.message}; re-diagnosing` });
      if (outcome.error !== undefined && isPermanent(outcome.error)) {
        const forbidden = statusCode(outcome.error) === 403;
        return done({ ...intent, state: 'Failed', reason: forbidden ? Reason.RollbackForbidden : Reason.RollbackInvalid, completedAt: this.d.clock.now().toISOString(), message: `rollback of StatefulSet ${name} rejected: ${outcome.message}` });
      }
      throw new Error(`rollback of StatefulSet ${ns}/${name}: ${outcome.message}`); // retried with backoff; intent stays recorded
    }
    this.d.log.info('rolled back StatefulSet', { incident: `${ns}/${ctx.incident.metadata.name}`, statefulSet: name, from: intent.fromRevision, to: intent.toRevision });
    return this.restartAndFinish(ctx, sts, intent, undefined);
  }

  /**
   * Restart the bad revision's pods that are not ready (idempotent), then the outcome. Only once the StatefulSet
   * controller has observed the rolled-back template (status.updateRevision is the good ControllerRevision):
   * a pod deleted earlier would be recreated from the bad one. Until then the intent stays, and we come back.
   */
  private async restartAndFinish(ctx: RemediationContext, sts: KubeStatefulSet, intent: RemediationStatus, resumed: string | undefined): Promise<RemediationStep> {
    const name = sts.metadata?.name ?? '';
    const from = intent.statefulSet?.fromControllerRevision ?? '';
    const intendedAt = intent.intendedAt ? Date.parse(intent.intendedAt) : NaN;
    const waited = Number.isFinite(intendedAt) ? ctx.now.getTime() - intendedAt : Infinity;
    if (!controllerObserved(sts, intent) && waited < OBSERVE_TIMEOUT_MS) return { record: intent, retryAfterMs: 500 };
    const broken = from ? podsToRestart(sts, ctx.target?.pods ?? [], from) : [];
    const restarted = await restartPods(this.d.core, ctx.incident.metadata.namespace, broken);
    const statefulSet: StatefulSetRollbackStatus | undefined = intent.statefulSet
      ? { ...intent.statefulSet, ...(restarted.length > 0 || intent.statefulSet.restartedPods ? { restartedPods: [...new Set([...(intent.statefulSet.restartedPods ?? []), ...restarted])].slice(0, 20) } : {}) }
      : undefined;
    const pods = restarted.length > 0 ? `; restarted ${restarted.length} pod(s) of the bad revision that were not ready (${restarted.join(', ')})` : '';
    const message = `rolled back StatefulSet ${name} from revision ${intent.fromRevision ?? '?'} to revision ${intent.toRevision ?? '?'} (ControllerRevision ${intent.statefulSet?.toControllerRevision ?? '?'})${resumed ? ` (${resumed})` : ''}${pods}`;
    const record: RemediationStatus = { ...intent, state: 'Succeeded', reason: Reason.RolledBack, completedAt: this.d.clock.now().toISOString(), message, ...(statefulSet ? { statefulSet } : {}) };
    return { record, notes: restarted.length > 0 ? [{ type: 'PodsRestarted', reason: Reason.RolledBack, message: `deleted ${restarted.length} not-ready pod(s) of ControllerRevision ${from} so the StatefulSet controller recreates them from the good template` }] : [] };
  }
}
