/**
 * Whether the operator may perform a rollback now. A policy chain evaluated in
 * a fixed order; the first guard that blocks wins:
 *   PolicyDisabled -> OptedOut -> DeploymentPaused -> RevisionNotFound ->
 *   UnverifiedRevision -> AwaitingApproval (Manual, not approved: proposed) ->
 *   RateLimited -> DryRun (proposed) -> Allowed.
 * No rollback to an unproven revision by default: the target must be a revision
 * the Deployment still has and, unless allowUnverified (spec.rollback.allowUnverified
 * or ROLLBACK_ALLOW_UNVERIFIED), the one recorded healthy (runbook.dev/last-known-good)
 * — also when spec.rollback.toRevision names it.
 * The rate limit also applies to approved Manual rollbacks: a second undo
 * inside the window is exactly the flapping the limit exists to stop.
 */
import type { KubeDeployment } from './kube-types.js';
import type { LastKnownGood } from './rollout-history.js';
import { formatKubeTime } from './template-equality.js';
import { Annotation } from '../api/reasons.js';

export const ROLLBACK_OPT_OUT_ANNOTATION = Annotation.rollbackOptOut;
export const ROLLBACK_OPT_OUT_VALUE = 'disabled';
/** Deployment annotation holding a JSON array of RFC 3339 times of operator rollbacks. */
export const ROLLBACK_HISTORY_ANNOTATION = Annotation.rollbackHistory;
export const MAX_ROLLBACK_HISTORY_ENTRIES = 10;
export const DEFAULT_ROLLBACK_RATE_LIMIT: RateLimit = Object.freeze({ max: 1, windowSeconds: 600 });

export const RollbackPolicy = {
  Automatic: 'Automatic',
  Manual: 'Manual',
  Disabled: 'Disabled',
} as const;
export type RollbackPolicy = (typeof RollbackPolicy)[keyof typeof RollbackPolicy];

export const GuardReason = {
  PolicyDisabled: 'PolicyDisabled',
  OptedOut: 'OptedOut',
  DeploymentPaused: 'DeploymentPaused',
  RevisionNotFound: 'RevisionNotFound',
  UnverifiedRevision: 'UnverifiedRevision',
  AwaitingApproval: 'AwaitingApproval',
  RateLimited: 'RateLimited',
  DryRun: 'DryRun',
  Allowed: 'Allowed',
} as const;
export type GuardReason = (typeof GuardReason)[keyof typeof GuardReason];

export interface RateLimit {
  readonly max: number;
  readonly windowSeconds: number;
}

/** A rollback intent written before patching; on a retry the same rollback is resumed, not counted twice. */
export interface RecordedRollbackIntent {
  readonly toRevision: number;
  readonly recordedAt: Date;
}

/** What is known about the revision a rollback would go to (see proveRevision). */
export interface RevisionProof {
  readonly toRevision: number;
  /** Named by spec.rollback.toRevision (else: the last known good, or the previous-revision fallback). */
  readonly requested: boolean;
  /** The Deployment still has a ReplicaSet of this revision. */
  readonly exists: boolean;
  /** It is the revision the runbook.dev/last-known-good record matches. */
  readonly recordedHealthy: boolean;
  /** spec.rollback.allowUnverified or the operator flag ROLLBACK_ALLOW_UNVERIFIED. */
  readonly allowUnverified: boolean;
  /** Why the record does not prove it (the last-known-good note), for the message. */
  readonly note?: string;
}

export function proveRevision(input: {
  toRevision: number;
  requested: boolean;
  existingRevisions: readonly number[];
  lastKnownGood: Pick<LastKnownGood, 'revision' | 'source' | 'note'> | undefined;
  allowUnverified: boolean;
}): RevisionProof {
  const lkg = input.lastKnownGood;
  const recordedHealthy = lkg?.source === 'Recorded' && lkg.revision === input.toRevision;
  return {
    toRevision: input.toRevision,
    requested: input.requested,
    exists: input.existingRevisions.includes(input.toRevision),
    recordedHealthy,
    allowUnverified: input.allowUnverified,
    ...(lkg?.note !== undefined ? { note: lkg.note } : {}),
  };
}

export interface RollbackGuardInput {
  readonly policy: RollbackPolicy;
  /** Spec approval (only meaningful for Manual). */
  readonly approved: boolean;
  /** Deployment annotation runbook.dev/rollback: disabled. */
  readonly optOutAnnotation: boolean;
  readonly paused: boolean;
  readonly dryRun: boolean;
  /** Times of earlier operator rollbacks of this Deployment (see parseRollbackHistory). */
  readonly recentRollbacks: readonly Date[];
  readonly rateLimit?: RateLimit;
  readonly now: Date;
  readonly intentAlreadyRecorded?: RecordedRollbackIntent;
  /** The target revision's proof; every rollback path passes it (absent only in legacy unit tests). */
  readonly revision?: RevisionProof;
}

export interface RollbackGuardResult {
  readonly allowed: boolean;
  readonly reason: GuardReason;
  readonly message: string;
  /** True when the rollback should be proposed (reported) instead of performed: AwaitingApproval, DryRun. */
  readonly proposed?: boolean;
  /** RateLimited: the earliest time the next rollback is allowed (absent when max <= 0). */
  readonly nextAllowedAt?: Date;
  /** True when this evaluation resumes a recorded intent (the caller must not record a second one). */
  readonly resumesIntent?: boolean;
}

export function isRollbackOptedOut(deployment: KubeDeployment): boolean {
  return deployment.metadata?.annotations?.[ROLLBACK_OPT_OUT_ANNOTATION]?.trim().toLowerCase() === ROLLBACK_OPT_OUT_VALUE;
}

/** Parses ROLLBACK_HISTORY_ANNOTATION; invalid entries are dropped, a malformed value yields []. */
export function parseRollbackHistory(value: string | undefined): Date[] {
  if (value === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => new Date(entry))
    .filter((date) => Number.isFinite(date.getTime()))
    .sort((a, b) => a.getTime() - b.getTime());
}

/** New ROLLBACK_HISTORY_ANNOTATION value with `at` appended, keeping the newest `keep` entries. */
export function appendRollbackHistory(
  value: string | undefined,
  at: Date,
  keep: number = MAX_ROLLBACK_HISTORY_ENTRIES,
): string {
  const all = [...parseRollbackHistory(value), at].sort((a, b) => a.getTime() - b.getTime());
  return JSON.stringify(all.slice(Math.max(0, all.length - keep)).map((d) => d.toISOString()));
}

function rateLimitCheck(
  recent: readonly Date[],
  rateLimit: RateLimit,
  now: Date,
  intent: RecordedRollbackIntent | undefined,
): { limited: false } | { limited: true; count: number; nextAllowedAt?: Date } {
  const windowMs = rateLimit.windowSeconds * 1000;
  const times = recent.map((d) => d.getTime()).filter((t) => Number.isFinite(t));
  // The resumed rollback's own entry (if already written) is not a second rollback.
  if (intent !== undefined) {
    const i = times.indexOf(intent.recordedAt.getTime());
    if (i >= 0) times.splice(i, 1);
  }
  // Future timestamps (clock skew) count as recent: fail closed.
  const inWindow = times.filter((t) => now.getTime() - t < windowMs).sort((a, b) => a - b);
  if (rateLimit.max <= 0) return { limited: true, count: inWindow.length };
  if (inWindow.length < rateLimit.max) return { limited: false };
  const expiring = inWindow[inWindow.length - rateLimit.max];
  return {
    limited: true,
    count: inWindow.length,
    ...(expiring !== undefined ? { nextAllowedAt: new Date(expiring + windowMs) } : {}),
  };
}

export function evaluateRollbackGuards(input: RollbackGuardInput): RollbackGuardResult {
  const rateLimit = input.rateLimit ?? DEFAULT_ROLLBACK_RATE_LIMIT;
  const intent = input.intentAlreadyRecorded;

  if (input.policy === 'Disabled') {
    return { allowed: false, reason: 'PolicyDisabled', message: 'rollback policy is Disabled' };
  }
  if (input.optOutAnnotation) {
    return {
      allowed: false,
      reason: 'OptedOut',
      message: `deployment opted out of rollbacks (${ROLLBACK_OPT_OUT_ANNOTATION}: ${ROLLBACK_OPT_OUT_VALUE})`,
    };
  }
  if (input.paused) {
    return { allowed: false, reason: 'DeploymentPaused', message: 'deployment is paused; a rollback would not roll out' };
  }
  const rev = input.revision;
  if (rev !== undefined && !rev.exists) {
    return {
      allowed: false,
      reason: 'RevisionNotFound',
      message: `revision ${rev.toRevision}${rev.requested ? ' (spec.rollback.toRevision)' : ''} does not exist in the Deployment's history`,
    };
  }
  if (rev !== undefined && !rev.recordedHealthy && !rev.allowUnverified) {
    const what = rev.requested ? `spec.rollback.toRevision ${rev.toRevision}` : `revision ${rev.toRevision}`;
    return {
      allowed: false,
      reason: 'UnverifiedRevision',
      message: `${what} was never recorded healthy${rev.note ? ` (${rev.note})` : ''}; not rolling back to an unproven revision ` +
        '(allow it with spec.rollback.allowUnverified: true or ROLLBACK_ALLOW_UNVERIFIED=true)',
    };
  }
  if (input.policy === 'Manual' && !input.approved) {
    return {
      allowed: false,
      reason: 'AwaitingApproval',
      message: 'rollback policy is Manual; proposing the rollback and waiting for approval',
      proposed: true,
    };
  }
  const limit = rateLimitCheck(input.recentRollbacks, rateLimit, input.now, intent);
  if (limit.limited) {
    const next = limit.nextAllowedAt === undefined
      ? 'no rollback is allowed by the configured limit'
      : `next rollback allowed at ${formatKubeTime(limit.nextAllowedAt)}`;
    return {
      allowed: false,
      reason: 'RateLimited',
      message: `${limit.count} rollback(s) in the last ${rateLimit.windowSeconds}s (max ${rateLimit.max}); ${next}`,
      ...(limit.nextAllowedAt !== undefined ? { nextAllowedAt: limit.nextAllowedAt } : {}),
    };
  }
  if (input.dryRun) {
    return { allowed: false, reason: 'DryRun', message: 'dry run: the rollback is proposed, not performed', proposed: true };
  }
  if (intent !== undefined) {
    return {
      allowed: true,
      reason: 'Allowed',
      message: `rollback allowed (resuming the recorded intent for revision ${intent.toRevision})`,
      resumesIntent: true,
    };
  }
  return { allowed: true, reason: 'Allowed', message: 'rollback allowed' };
}
