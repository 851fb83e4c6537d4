/**
 * The StatefulSet rollback's decisions besides the plan (statefulset-rollback.ts): the guards' input (the same
 * chain as for Deployments; a revision is proven by a record or by its pods being healthy now), the rule that
 * chose the target, the record the patch itself writes on the StatefulSet (rollback history + the incident
 * that did it: restart-safe "already done"), and what a resumed intent finds. Pure.
 */
import type { RemediationStatus } from '../api/remediation.js';
import { Annotation } from '../api/reasons.js';
import type { LastKnownGood } from '../api/rollout-history.js';
import { appendRollbackHistory, parseRollbackHistory, ROLLBACK_HISTORY_ANNOTATION, ROLLBACK_OPT_OUT_ANNOTATION, ROLLBACK_OPT_OUT_VALUE, type RateLimit, type RollbackGuardInput, type RollbackPolicy } from './rollback-guards.js';
import { ownedControllerRevisions, type KubeStatefulSet, type StatefulSetRollbackPlan } from './statefulset-rollback.js';

export type StatefulSetPatchPlan = Extract<StatefulSetRollbackPlan, { action: 'Patch' }>;
export type PatchOp = StatefulSetPatchPlan['patch'][number];

/** Which rule chose the target revision (status.remediation.statefulSet.knownGoodRule). */
export function knownGoodRule(lkg: Pick<LastKnownGood, 'source' | 'revision'> | undefined, toRevision: number, requested: boolean): string {
  if (requested) return 'Requested';
  if (lkg && lkg.revision === toRevision) return lkg.source;
  return 'PreviousRevisionFallback';
}

export interface StatefulSetGuardFacts {
  sts: KubeStatefulSet;
  revisions: readonly { revision?: number; metadata?: { ownerReferences?: readonly { kind?: string; name?: string; uid?: string; controller?: boolean }[]; name?: string } }[];
  toRevision: number;
  requested: boolean;
  lastKnownGood: Pick<LastKnownGood, 'revision' | 'source' | 'note'> | undefined;
  policy: RollbackPolicy;
  approved: boolean;
  dryRun: boolean;
  allowUnverified: boolean;
  rateLimit: RateLimit;
  now: Date;
  /** The intent recorded earlier (a resumed rollback is not counted twice). */
  intent?: { toRevision: number; recordedAt: Date };
}

/** The Deployment guard chain's input for a StatefulSet (never paused; proven by a record or by healthy pods). */
export function statefulSetGuardInput(f: StatefulSetGuardFacts): RollbackGuardInput {
  const lkg = f.lastKnownGood;
  const proven = (lkg?.source === 'Recorded' || lkg?.source === 'HealthyPods') && lkg.revision === f.toRevision;
  const existing = ownedControllerRevisions(f.sts, f.revisions).map((r) => r.revision ?? -1);
  return {
    policy: f.policy, approved: f.approved, dryRun: f.dryRun, now: f.now, rateLimit: f.rateLimit, paused: false,
    optOutAnnotation: f.sts.metadata?.annotations?.[ROLLBACK_OPT_OUT_ANNOTATION]?.trim().toLowerCase() === ROLLBACK_OPT_OUT_VALUE,
    recentRollbacks: parseRollbackHistory(f.sts.metadata?.annotations?.[ROLLBACK_HISTORY_ANNOTATION]),
    ...(f.intent ? { intentAlreadyRecorded: f.intent } : {}),
    revision: {
      toRevision: f.toRevision, requested: f.requested, exists: existing.includes(f.toRevision), recordedHealthy: proven,
      allowUnverified: f.allowUnverified, ...(lkg?.note !== undefined ? { note: lkg.note } : {}),
    },
  };
}

/** The plan's patch plus the operator's record on the StatefulSet, in the same request (atomic). */
export function withStatefulSetRollbackRecord(plan: StatefulSetPatchPlan, sts: KubeStatefulSet, incidentUid: string, now: Date): PatchOp[] {
  const own = sts.metadata?.annotations ?? {};
  const annotations: Record<string, string> = { ...own };
  annotations[ROLLBACK_HISTORY_ANNOTATION] = appendRollbackHistory(own[ROLLBACK_HISTORY_ANNOTATION], now);
  annotations[Annotation.rolledBackBy] = `${incidentUid}/r${plan.toRevision}`;
  // `add` replaces an existing member and creates a missing one (a StatefulSet may have no annotations).
  return [...plan.patch, { op: 'add', path: '/metadata/annotations', value: annotations }];
}

/** Did this incident's rollback patch land (e.g. before a restart)? */
export function statefulSetRollbackApplied(sts: KubeStatefulSet, incidentUid: string): boolean {
  return (sts.metadata?.annotations?.[Annotation.rolledBackBy] ?? '').startsWith(`${incidentUid}/`);
}

/**
 * A recorded intent whose StatefulSet changed since (another generation): done when it already rolls to the
 * ControllerRevision the intent named, else a concurrent change (re-diagnose). Unchanged: go on with the patch.
 */
export function resumeStatefulSetIntent(current: RemediationStatus, sts: KubeStatefulSet): 'Patch' | 'AlreadyThere' | 'Conflict' {
  if (current.fromGeneration === undefined || current.fromGeneration === sts.metadata?.generation) return 'Patch';
  const to = current.statefulSet?.toControllerRevision;
  return to !== undefined && sts.status?.updateRevision === to ? 'AlreadyThere' : 'Conflict';
}
