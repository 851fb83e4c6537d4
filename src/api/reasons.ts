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
  /** A notification target has failed longer than the fallback time, or permanently (issue 12). */
  NotificationsFailing: 'NotificationsFailing',
  Resolved: 'Resolved',
  /** The referenced EscalationPolicy is valid (False: invalid, the built-in policy is used instead). */
  EscalationPolicyValid: 'EscalationPolicyValid',
  /** Every health signal within its threshold (Unknown: some signal has no value). */
  SignalsHealthy: 'SignalsHealthy',
  /** P0/P1 resolved: the post-mortem is due (True) until marked done (False). */
  PostmortemDue: 'PostmortemDue',
  /** A maintenance window / freeze is active: diagnosis only, no remediation, no paging (issue 15). */
  MaintenanceWindow: 'MaintenanceWindow',
} as const;

export const Reason = {
  Opened: 'Opened',
  /** PostmortemDue: waiting for the post-mortem; the reminder was sent; the deadline passed; done. */
  PostmortemPending: 'PostmortemPending',
  PostmortemReminderSent: 'PostmortemReminderSent',
  PostmortemOverdue: 'PostmortemOverdue',
  PostmortemDone: 'PostmortemDone',
  /** The Event and timeline entry of the post-mortem reminder. */
  PostmortemReminder: 'PostmortemReminder',
  TargetFound: 'TargetFound',
  TargetNotFound: 'TargetNotFound',
  TargetDeleted: 'TargetDeleted',
  NoTarget: 'NoTarget',
  PodsHealthy: 'PodsHealthy',
  PodsUnhealthy: 'PodsUnhealthy',
  DiagnosisStarted: 'DiagnosisStarted',
  DiagnosisComplete: 'DiagnosisComplete',
  CrashLoopDetected: 'CrashLoopDetected',
  RemediationFailed: 'RemediationFailed',
  RecoveredWhileEscalated: 'RecoveredWhileEscalated',
  NoLongRunningQueries: 'NoLongRunningQueries',
  NoKnownGoodRevision: 'NoKnownGoodRevision',
  CurrentRevisionIsLastKnownGood: 'CurrentRevisionIsLastKnownGood',
  NoDatabaseEvidence: 'NoDatabaseEvidence',
  DatabaseUnreachable: 'DatabaseUnreachable',
  TerminationProposed: 'TerminationProposed',
  DatabaseUnhealthy: 'DatabaseUnhealthy',
  NoTargetRevision: 'NoTargetRevision',
  RollbackForbidden: 'RollbackForbidden',
  RollbackInvalid: 'RollbackInvalid',
  TerminationIntended: 'TerminationIntended',
  TerminationNotEnabled: 'TerminationNotEnabled',
  DryRun: 'DryRun',
  InvalidEscalationPolicy: 'InvalidEscalationPolicy',
  EscalationPolicyValid: 'EscalationPolicyValid',
  StatusWriteRejected: 'StatusWriteRejected',
  RollbackIntended: 'RollbackIntended',
  RolledBack: 'RolledBack',
  RollbackSkipped: 'RollbackSkipped',
  RollbackRefused: 'RollbackRefused',
  RollbackConflict: 'RollbackConflict',
  RollbackProposed: 'RollbackProposed',
  NothingToRemediate: 'NothingToRemediate',
  QueriesTerminated: 'QueriesTerminated',
  /** Query termination: the pile-up was already gone, nothing left to terminate. */
  NothingToTerminate: 'NothingToTerminate',
  /** Query termination: a root blocker may not be terminated (superuser, replication, admin, other database, too young, unknown). */
  BlockerNotEligible: 'BlockerNotEligible',
  /** Query termination: eligible sessions remain but the per-server budget is spent. */
  TerminationBudgetExhausted: 'TerminationBudgetExhausted',
  /** Query termination: after acting, sessions still wait for locks or queries still run long. */
  SymptomRemains: 'SymptomRemains',
  /** Query termination: one session was terminated (timeline entry and Event). */
  SessionTerminated: 'SessionTerminated',
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
  /** NotificationsFailing=True: a target is unreachable; Warning Event with the same reason. */
  TargetUnreachable: 'TargetUnreachable',
  /** NotificationsFailing=False again: every target delivered since. */
  NotificationsDelivered: 'NotificationsDelivered',
  /** Fallback notifications sent (other targets of the tier, the next tier). */
  NotificationFallback: 'NotificationFallback',
  SharedCauseSuspected: 'SharedCauseSuspected',
  // Who may make the operator act (remediation consent, unproven revisions).
  RemediationNotPermitted: 'RemediationNotPermitted',
  RevisionNotFound: 'RevisionNotFound',
  UnverifiedRevision: 'UnverifiedRevision',
  // Health signals (issue 14): Prometheus queries and HTTP probes.
  /** The signal watcher opened the Incident: a signal breached for N evaluations after a rollout. */
  SignalBreachDetected: 'SignalBreachDetected',
  /** A signal already breached before the newest rollout: not the release's fault, escalate. */
  SignalBreachBeforeRollout: 'SignalBreachBeforeRollout',
  /** A signal was Unknown at the rollout: cannot tell whether the release caused the breach. */
  SignalBreachOriginUnknown: 'SignalBreachOriginUnknown',
  /** A signal has no value (query failed, no data, probe without an answer): never healthy, never a rollback. */
  SignalUnknown: 'SignalUnknown',
  SignalsHealthy: 'SignalsHealthy',
  SignalsBreaching: 'SignalsBreaching',
  /** A symptoms Incident without any signal: waits in Monitoring for a person (or a signal). */
  WaitingForSignals: 'WaitingForSignals',
  // Owners of the manifest (issue 15): Argo CD, Flux, Helm.
  /** A GitOps controller or Helm owns the Deployment: rollback refused, the instruction says what to do instead. */
  RollbackOwnedByGitOps: 'RollbackOwnedByGitOps',
  /** Helm owns the Deployment: `helm rollback` is the matching action (refused unless opted in). */
  RollbackOwnedByHelm: 'RollbackOwnedByHelm',
  /** The operator suspended the GitOps owner's automation (recorded with its previous value). */
  GitOpsSuspended: 'GitOpsSuspended',
  /** The GitOps owner's automation was restored to its recorded value after the incident resolved. */
  GitOpsRestored: 'GitOpsRestored',
  /** The owner's object (Application, Kustomization, HelmRelease) was not found or could not be read. */
  GitOpsOwnerUnavailable: 'GitOpsOwnerUnavailable',
  /** The bad template came back after the rollback (a controller reverted it): stop, escalate, never fight. */
  RollbackReverted: 'RollbackReverted',
  /** The cluster-wide blast-radius budget of automatic rollbacks is spent: the rollback waits for a slot. */
  BlastRadiusBudgetExhausted: 'BlastRadiusBudgetExhausted',
  /** The MassFailure Incident: rollbacks held back by the blast-radius budget, listed for a person. */
  MassFailure: 'MassFailure',
  /** A maintenance window suppresses remediation and paging (condition, timeline entry ActionSuppressed, Event). */
  MaintenanceWindowActive: 'MaintenanceWindowActive',
  /** The maintenance window ended: the still-open incident proceeds. */
  MaintenanceWindowEnded: 'MaintenanceWindowEnded',
  /** StatefulSet with updateStrategy OnDelete: a rollback would not take effect by itself (refused). */
  StatefulSetOnDelete: 'StatefulSetOnDelete',
  /** StatefulSet with rollingUpdate.partition > 0: a rollback would reach only some ordinals (refused). */
  StatefulSetPartitioned: 'StatefulSetPartitioned',
} as const;

/** Values of the runbook.dev/created-by label on Incidents the operator opens itself. */
export const CreatedBy = {
  /** One open Incident listing the Deployments held back by the blast-radius budget. */
  massFailure: 'mass-failure',
} as const;

/** Why an action was not permitted (status.remediation.consent.reason). */
export const ConsentReason = {
  Permitted: 'Permitted',
  NamespaceNotWatched: 'NamespaceNotWatched',
  ProtectedNamespace: 'ProtectedNamespace',
  OptedOut: 'OptedOut',
  NoOptIn: 'NoOptIn',
} as const;

/** Labels and annotations that say who owns a workload's manifest (src/decide/workload-owner.ts). */
export const OwnerMark = {
  argoTrackingId: 'argocd.argoproj.io/tracking-id',
  instanceLabel: 'app.kubernetes.io/instance',
  managedByLabel: 'app.kubernetes.io/managed-by',
  fluxKustomizationName: 'kustomize.toolkit.fluxcd.io/name',
  fluxKustomizationNamespace: 'kustomize.toolkit.fluxcd.io/namespace',
  fluxHelmReleaseName: 'helm.toolkit.fluxcd.io/name',
  fluxHelmReleaseNamespace: 'helm.toolkit.fluxcd.io/namespace',
  helmReleaseName: 'meta.helm.sh/release-name',
  helmReleaseNamespace: 'meta.helm.sh/release-namespace',
} as const;

export const Label = {
  incidentDeployment: 'runbook.dev/deployment',
  /** On a crash-loop Incident of a StatefulSet (issue 15): its name. */
  incidentStatefulSet: 'runbook.dev/statefulset',
  createdBy: 'runbook.dev/created-by',
  /** Owner's consent to remediation on a Deployment or Namespace: `enabled` (or `disabled` to opt out). */
  remediation: 'runbook.dev/remediation',
  /** Set by the StatefulSet controller on its pods: the name of the pod's ControllerRevision. */
  controllerRevisionHash: 'controller-revision-hash',
  /** Set by the StatefulSet controller on its ControllerRevisions: the template hash (stable when a revision is renumbered). */
  controllerHash: 'controller.kubernetes.io/hash',
} as const;

export const Annotation = {
  lastKnownGood: 'runbook.dev/last-known-good',
  rollbackOptOut: 'runbook.dev/rollback',
  rollbackHistory: 'runbook.dev/rollback-history',
  /** Written by the rollback patch itself: `<incident uid>/r<revision>` (restart-safe "already done"). */
  rolledBackBy: 'runbook.dev/rolled-back-by',
  /** Written by the fast path's rollback patch (issue 17): JSON record of the rollback and the Incident opened after it. */
  fastRollback: 'runbook.dev/fast-rollback',
  revision: 'deployment.kubernetes.io/revision',
  alertFingerprint: 'runbook.dev/alert-fingerprint',
  alertLastSeen: 'runbook.dev/alert-last-seen',
  alertResolvedAt: 'runbook.dev/alert-resolved-at',
  /** Alerts of other fingerprints grouped into this Incident because the intake's creation cap was reached. */
  alertsGrouped: 'runbook.dev/alerts-grouped',
  alertLastGrouped: 'runbook.dev/alert-last-grouped',
  /** Deployment: default health signals (JSON array of spec.signals entries), inherited by its Incidents. */
  signals: 'runbook.dev/signals',
  /** Incident opened by the signal watcher: AfterRollout, BeforeRollout or Undetermined (drives the proposal). */
  signalBreachOrigin: 'runbook.dev/signal-breach-origin',
  /** Deployment: `Instruct` keeps the operator from suspending its GitOps owner or patching a Helm release even when the operator config allows it (it can only make the choice safer). */
  ownerRollback: 'runbook.dev/owner-rollback',
  /** Namespace: maintenance windows (JSON list, same objects as EscalationPolicy spec.maintenanceWindows). */
  maintenanceWindows: 'runbook.dev/maintenance-windows',
} as const;
