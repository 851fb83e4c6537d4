/** Port: the remediate step (rollback, query termination) as the reconciler drives it. */
import type { Incident, IncidentStatus } from '../api/incident.js';
import type { DiagnosisStatus } from '../api/diagnosis.js';
import type { RemediationStatus } from '../api/remediation.js';
import type { TargetSnapshot } from './target.js';

/** A timeline entry (and Event) to add. */
export interface TimelineNote { type: string; reason: string; message: string; warn?: boolean }

export interface RemediationContext {
  /** The Incident as last written (read-only). */
  incident: Incident;
  /** Its status as the reconcile sees it so far (read-only). */
  status: IncidentStatus;
  diagnosis: DiagnosisStatus;
  target?: TargetSnapshot;
  now: Date;
}

/**
 * One step of a remediation. With `persist`, the reconciler writes `record` to status (intent before
 * action) together with that timeline note, then calls `remediate` again with the written status: the
 * remediator never writes status itself. Without it, `record` is the outcome of this reconcile.
 */
export interface RemediationStep {
  record: RemediationStatus;
  persist?: TimelineNote;
  /** Timeline entries to add with the outcome. */
  notes?: TimelineNote[];
  /** Come back after this long (e.g. a blast-radius slot frees up then). */
  retryAfterMs?: number;
}

export interface Remediator {
  /** Moves the remediation one step from `ctx.status.remediation`. */
  remediate(ctx: RemediationContext): Promise<RemediationStep>;
  /** After the incident resolved: undo what was suspended for the remediation (a GitOps owner's automation); the updated record, or undefined when nothing to do. */
  release?(record: RemediationStatus): Promise<RemediationStatus | undefined>;
}
