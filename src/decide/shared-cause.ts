/**
 * Is the failure caused by something a rollback cannot fix? Judged by EVIDENCE, never by a count of
 * neighbours (issue 15: ten Deployments updated at once to a bad shared base image each need their own
 * rollback). Evidence of a shared cause, each a rule named in status:
 *  - OlderRevisionsCrashing: pods of OLDER revisions of the target, healthy before, crash-loop too;
 *  - NeighbourOlderRevisionsCrashing: other Deployments of the namespace crash-loop on revisions OLDER
 *    than their newest (code that ran fine breaks: the environment changed);
 *  - DatabaseUnreachable: the database/dependency check failed (undefined = not checked);
 *  - SignalsBreachedBeforeRollout: a health signal already breached before the newest rollout.
 * Neighbours failing only on their NEWEST revision are simultaneous bad releases, not evidence: each is
 * judged (and rolled back) on its own, within the cluster-wide blast-radius budget.
 */
import type { PodHealth } from './pod-health.js';
import { SharedCauseReason, type SharedCauseResult } from '../api/diagnosis.js';

export { SharedCauseReason, type SharedCauseResult } from '../api/diagnosis.js';

export const MAX_NAMED_DEPLOYMENTS = 5;
export const MAX_NAMED_PODS = 5;

/** Other crash-looping Deployments of the namespace, by which of their revisions fail. */
export interface NeighbourEvidence {
  /** Crash-looping on a revision older than their newest (evidence of a shared cause). */
  readonly olderRevisionsFailing: readonly string[];
  /** Crash-looping on their newest revision only (their own release; no evidence). */
  readonly newestRevisionOnly: readonly string[];
}

export interface SharedCauseInput {
  /** Pod health of the target Deployment (its bounded pod list, when given, names the failing pods). */
  readonly podHealth: Pick<PodHealth, 'byRevision'> & Partial<Pick<PodHealth, 'pods'>>;
  /** Other crash-looping Deployments of the namespace (names only: their revisions unknown, so no evidence). */
  readonly otherDeploymentsCrashLooping: readonly string[];
  /** The same neighbours by revision, when known. */
  readonly neighbours?: NeighbourEvidence;
  readonly databaseReachable?: boolean;
  /** The database check's steps (the first failed one is named: step and reason code, never the error text). */
  readonly databaseSteps?: readonly { readonly step: string; readonly ok: boolean; readonly reason?: string }[];
  /** A health signal breached before the newest rollout (the signal watcher's breach origin). */
  readonly signalsBreachedBeforeRollout?: boolean;
}

function named(names: readonly string[]): string {
  const all = [...new Set(names)].sort();
  const head = all.slice(0, MAX_NAMED_DEPLOYMENTS).join(', ');
  return all.length > MAX_NAMED_DEPLOYMENTS ? `${head} and ${all.length - MAX_NAMED_DEPLOYMENTS} more` : head;
}

export function detectSharedCause(input: SharedCauseInput): SharedCauseResult {
  const reasons: SharedCauseReason[] = [];
  const explanations: string[] = [];

  const byRevision = input.podHealth.byRevision;
  const newest = byRevision.reduce((max, r) => Math.max(max, r.revision), Number.NEGATIVE_INFINITY);
  const olderCrashing = byRevision
    .filter((r) => r.revision < newest && r.crashLooping > 0)
    .sort((a, b) => b.revision - a.revision);
  if (olderCrashing.length > 0) {
    reasons.push('OlderRevisionsCrashing');
    // Counts per revision, and the pods by name (Kubernetes object names only, at most MAX_NAMED_PODS).
    const counts = olderCrashing.map((r) => `revision ${r.revision}: ${r.crashLooping} of ${r.pods} pod(s) crash-looping`).join(', ');
    const older = new Set(olderCrashing.map((r) => r.revision));
    const pods = (input.podHealth.pods ?? []).filter((p) => p.crashLooping && older.has(p.revision)).map((p) => p.name).sort();
    const named = pods.length > 0 ? `; pods ${pods.slice(0, MAX_NAMED_PODS).join(', ')}${pods.length > MAX_NAMED_PODS ? ` and ${pods.length - MAX_NAMED_PODS} more` : ''}` : '';
    explanations.push(`older revision(s) ${olderCrashing.map((r) => r.revision).join(', ')} crash-loop too, so rolling back to them would not help (${counts}${named})`);
  }

  const older = [...new Set(input.neighbours?.olderRevisionsFailing ?? [])];
  if (older.length > 0) {
    reasons.push('NeighbourOlderRevisionsCrashing');
    explanations.push(`${older.length} other workload(s) of the namespace crash-loop on older revisions that ran before (${named(older)})`);
  }

  if (input.databaseReachable === false) {
    reasons.push('DatabaseUnreachable');
    const failed = input.databaseSteps?.find((st) => !st.ok);
    const code = failed?.reason && /^[A-Za-z]{1,40}$/u.test(failed.reason) ? `: ${failed.reason}` : '';
    const step = failed && /^[a-z0-9]{1,20}$/u.test(failed.step) ? ` (step ${failed.step}${code})` : '';
    explanations.push(`the database connectivity check failed${step}, and rolling back the Deployment does not bring the database back`);
  }

  if (input.signalsBreachedBeforeRollout === true) {
    reasons.push('SignalsBreachedBeforeRollout');
    explanations.push('a health signal already breached before the newest rollout');
  }

  const shared = reasons.length > 0;
  const alone = [...new Set([...(input.neighbours?.newestRevisionOnly ?? []), ...(input.neighbours ? [] : input.otherDeploymentsCrashLooping)])].filter((n) => !older.includes(n));
  const separately = alone.length > 0
    ? `; ${alone.length} other workload(s) fail on their newest revision only (${named(alone)}): separate releases, each judged on its own`
    : '';
  return {
    shared,
    reasons,
    message: shared
      ? `not rolling back: shared cause (rule ${reasons.join(', ')}): ${explanations.join('; ')}`
      : `no evidence of a shared cause (older revisions healthy, dependencies reachable, no breach before the rollout); the newest revision is the likely cause${separately}`,
  };
}
