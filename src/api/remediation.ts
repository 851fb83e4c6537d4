/**
 * `status.remediation`: intent and outcome of the runbook's remediation (rollback, query termination),
 * recorded before and after acting, and the monitoring clock that follows it.
 */

/** Where the remediation stands. */
export type RemediationState =
  | 'None' | 'Intended' | 'Succeeded' | 'Skipped' | 'AwaitingApproval' | 'Refused' | 'Failed';

/** What the remediation does. */
export type RemediationAction = 'Rollback' | 'TerminateQueries';

/** A session chosen for termination, recorded before it is signalled. */
export interface PlannedTermination {
  /** Backend process id. */
  pid: number;
  /** backend_start (ISO 8601 UTC, microseconds): with pid, identifies the session. */
  backendStart: string;
  /** Role name (redacted). */
  user: string | null;
  /** Seconds the query (or transaction) had been running. */
  durationSeconds: number | null;
  /** Query fingerprint. */
  fingerprint: string;
  /** Why this session: e.g. root blocker of N waiters, or long runner. */
  why?: string;
  /** Outcome (Terminated, Gone, Changed, ...), absent until signalled. */
  result?: string;
  /** When it was signalled (RFC 3339). */
  at?: string;
}

/** A session left alone, and why. */
export interface SkippedSession {
  /** Backend process id. */
  pid: number;
  /** Why it is not eligible (e.g. SuperuserRole, OtherDatabase). */
  reason: string;
}

/** Whether the target's owner consented to the operator acting (labels on the Deployment or its Namespace). */
export interface RemediationConsentStatus {
  /** True when the operator may act. */
  permitted: boolean;
  /** Permitted, NoOptIn, OptedOut, NamespaceNotWatched or ProtectedNamespace. */
  reason: string;
  /** Where consent came from (or what is missing), for people. */
  message: string;
  /** The object whose label decided: Deployment or Namespace. */
  via?: 'Deployment' | 'Namespace';
}

/** The remediation record. */
export interface RemediationStatus {
  /** Where it stands. */
  state: RemediationState;
  /** Rollback or TerminateQueries. */
  action?: RemediationAction;
  /** Reason (CamelCase). */
  reason?: string;
  /** One line for people. */
  message?: string;
  /** When the intent was recorded (RFC 3339). */
  intendedAt?: string;
  /** When it completed (RFC 3339). */
  completedAt?: string;
  /** Revision rolled back from. */
  fromRevision?: number;
  /** Revision rolled back to. */
  toRevision?: number;
  /** Deployment resourceVersion the rollback was planned against. */
  fromResourceVersion?: string;
  /** Deployment generation the rollback was planned against. */
  fromGeneration?: number;
  /** Sessions to terminate, recorded before signalling. */
  planned?: PlannedTermination[];
  /** Sessions left alone, and why (at most 10). */
  skipped?: SkippedSession[];
  /** Sessions signalled, with their outcome. */
  terminated?: PlannedTermination[];
  /** When monitoring started (RFC 3339). */
  monitoringStartedAt?: string;
  /** Since when the target has been healthy without interruption (RFC 3339). */
  healthySince?: string;
  /** The owner's consent, as checked right before acting (RemediationNotPermitted when absent). */
  consent?: RemediationConsentStatus;
}
