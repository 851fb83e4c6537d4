/**
 * Is the crash loop caused by something a rollback cannot fix? A rollback only
 * helps when the newest revision is the problem. Evidence of a shared cause:
 *  - pods of OLDER revisions of the same Deployment crash-loop too;
 *  - at least SHARED_CAUSE_MIN_OTHER_DEPLOYMENTS other Deployments in the
 *    namespace are crash-looping;
 *  - the database check failed (databaseReachable === false; undefined = not checked).
 */
import type { PodHealth } from './pod-health.js';
import { SharedCauseReason, type SharedCauseResult } from '../api/diagnosis.js';

export { SharedCauseReason, type SharedCauseResult } from '../api/diagnosis.js';

export const SHARED_CAUSE_MIN_OTHER_DEPLOYMENTS = 2;
export const MAX_NAMED_DEPLOYMENTS = 5;

export interface SharedCauseInput {
  /** Pod health of the target Deployment. */
  readonly podHealth: Pick<PodHealth, 'byRevision'>;
  /** Names of OTHER Deployments in the same namespace that are crash-looping. */
  readonly otherDeploymentsCrashLooping: readonly string[];
  readonly databaseReachable?: boolean;
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
    explanations.push(
      `older revision(s) ${olderCrashing.map((r) => r.revision).join(', ')} crash-loop too, ` +
        'so rolling back to them would not help',
    );
  }

  const others = [...new Set(input.otherDeploymentsCrashLooping)].sort();
  if (others.length >= SHARED_CAUSE_MIN_OTHER_DEPLOYMENTS) {
    reasons.push('NamespaceWideCrashLoops');
    const named = others.slice(0, MAX_NAMED_DEPLOYMENTS).join(', ');
    const more = others.length > MAX_NAMED_DEPLOYMENTS ? ` and ${others.length - MAX_NAMED_DEPLOYMENTS} more` : '';
    explanations.push(`${others.length} other deployments in the namespace are crash-looping (${named}${more})`);
  }

  if (input.databaseReachable === false) {
    reasons.push('DatabaseUnreachable');
    explanations.push('the database connectivity check failed');
  }

  const shared = reasons.length > 0;
  return {
    shared,
    reasons,
    message: shared
      ? `not rolling back: likely a shared cause: ${explanations.join('; ')}`
      : 'no shared cause found; the newest revision is the likely cause',
  };
}
