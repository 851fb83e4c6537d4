/** Condition types, reasons and Event reasons, in one place (PascalCase, Kubernetes API conventions). */
export const ConditionType = {
  TargetFound: 'TargetFound',
  Diagnosed: 'Diagnosed',
  Remediated: 'Remediated',
  TargetHealthy: 'TargetHealthy',
  DatabaseHealthy: 'DatabaseHealthy',
  Acknowledged: 'Acknowledged',
  AcknowledgeDeadlineExceeded: 'AcknowledgeDeadlineExceeded',
  ResponseDeadlineExceeded: 'ResponseDeadlineExceeded',
  Escalated: 'Escalated',
  Resolved: 'Resolved',
} as const;

export const Reason = {
  Opened: 'Opened',
  TargetFound: 'TargetFound',
  TargetNotFound: 'TargetNotFound',
  TargetDeleted: 'TargetDeleted',
  NoTarget: 'NoTarget',
  PodsHealthy: 'PodsHealthy',
  PodsUnhealthy: 'PodsUnhealthy',
  DiagnosisComplete: 'DiagnosisComplete',
  RollbackIntended: 'RollbackIntended',
  RolledBack: 'RolledBack',
  RollbackSkipped: 'RollbackSkipped',
  RollbackRefused: 'RollbackRefused',
  RollbackConflict: 'RollbackConflict',
  RollbackProposed: 'RollbackProposed',
  NothingToRemediate: 'NothingToRemediate',
  QueriesTerminated: 'QueriesTerminated',
  MonitoringStarted: 'MonitoringStarted',
  MonitoringTimedOut: 'MonitoringTimedOut',
  RecoveredAfterRemediation: 'RecoveredAfterRemediation',
  ResolvedByPerson: 'ResolvedByPerson',
  ResolvedAutomatically: 'ResolvedAutomatically',
  AcknowledgedByPerson: 'AcknowledgedByPerson',
  AwaitingAcknowledgement: 'AwaitingAcknowledgement',
  DeadlineExceeded: 'DeadlineExceeded',
  WithinDeadline: 'WithinDeadline',
  EscalatedToTier: 'EscalatedToTier',
  SharedCauseSuspected: 'SharedCauseSuspected',
  // Who may make the operator act (remediation consent, unproven revisions).
  RemediationNotPermitted: 'RemediationNotPermitted',
  RevisionNotFound: 'RevisionNotFound',
  UnverifiedRevision: 'UnverifiedRevision',
} as const;

/** Why an action was not permitted (status.remediation.consent.reason). */
export const ConsentReason = {
  Permitted: 'Permitted',
  NamespaceNotWatched: 'NamespaceNotWatched',
  ProtectedNamespace: 'ProtectedNamespace',
  OptedOut: 'OptedOut',
  NoOptIn: 'NoOptIn',
} as const;

export const Label = {
  incidentDeployment: 'runbook.dev/deployment',
  createdBy: 'runbook.dev/created-by',
  /** Owner's consent to remediation on a Deployment or Namespace: `enabled` (or `disabled` to opt out). */
  remediation: 'runbook.dev/remediation',
} as const;

export const Annotation = {
  lastKnownGood: 'runbook.dev/last-known-good',
  rollbackOptOut: 'runbook.dev/rollback',
  rollbackHistory: 'runbook.dev/rollback-history',
  revision: 'deployment.kubernetes.io/revision',
  alertFingerprint: 'runbook.dev/alert-fingerprint',
  alertLastSeen: 'runbook.dev/alert-last-seen',
  alertResolvedAt: 'runbook.dev/alert-resolved-at',
  /** Alerts of other fingerprints grouped into this Incident because the intake's creation cap was reached. */
  alertsGrouped: 'runbook.dev/alerts-grouped',
  alertLastGrouped: 'runbook.dev/alert-last-grouped',
} as const;
