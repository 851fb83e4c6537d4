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
} as const;

export const Label = {
  incidentDeployment: 'runbook.dev/deployment',
  createdBy: 'runbook.dev/created-by',
} as const;

export const Annotation = {
  lastKnownGood: 'runbook.dev/last-known-good',
  rollbackOptOut: 'runbook.dev/rollback',
  rollbackHistory: 'runbook.dev/rollback-history',
  revision: 'deployment.kubernetes.io/revision',
} as const;
