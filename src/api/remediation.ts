/**
 * `status.remediation`: intent and outcome of the runbook's remediation (rollback, query termination),
 * recorded before and after acting, and the monitoring clock that follows it.
 */
import type { QueryTerminationStatus } from './query-termination-status.js';

/** Where the remediation stands. */
export type RemediationState =
  | 'None' | 'Intended' | 'Succeeded' | 'Skipped' | 'AwaitingApproval' | 'Refused' | 'Failed';

/** What the remediation does. */
export type RemediationAction = 'Rollback' | 'TerminateQueries';

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
  /** The object whose label decided: the target workload (Deployment or StatefulSet) or its Namespace. */
  via?: ConsentVia;
}

/** Whose label gave (or refused) consent. */
export type ConsentVia = 'Deployment' | 'StatefulSet' | 'Namespace';

/** A GitOps owner's automation the operator suspended to roll back (restored when the incident resolves). */
export interface GitOpsSuspensionStatus {
  /** Application (Argo CD), Kustomization or HelmRelease (Flux). */
  kind: 'Application' | 'Kustomization' | 'HelmRelease';
  /** API version, e.g. argoproj.io/v1alpha1. */
  apiVersion: string;
  /** Object name. */
  name: string;
  /** Object namespace. */
  namespace: string;
  /** The field changed: spec.syncPolicy.automated (Argo CD) or spec.suspend (Flux). */
  field: string;
  /** Its value before, as JSON (`null` when absent): what is restored. */
  previous: string;
  /** When the operator suspended it (RFC 3339); absent: recorded, not yet patched. */
  suspendedAt?: string;
  /** When the previous value was put back (RFC 3339). */
  restoredAt?: string;
  /** Why restoring failed the last time (retried). */
  restoreError?: string;
}

/** What chose the rollback strategy for a GitOps- or Helm-owned Deployment (issue 15, first that applies). */
export type OwnerStrategySource = 'DeploymentAnnotation' | 'EscalationPolicy' | 'OperatorConfig' | 'Default';

/** The rollback strategy for the Deployment's manifest owner, and which setting decided it. */
export interface OwnerStrategyStatus {
  /** The owner it applies to: ArgoCD, FluxKustomization, FluxHelmRelease or Helm. */
  owner: string;
  /** Instruct, SuspendAutoSync (Argo CD), Suspend (Flux) or PatchDeployment (Helm). */
  strategy: string;
  /** DeploymentAnnotation, EscalationPolicy, OperatorConfig or Default. */
  source: OwnerStrategySource;
  /** The EscalationPolicy (namespace/name) when it decided. */
  policy?: string;
  /** Which setting and value, for people. */
  message: string;
}

/** The remediation record: rollback fields, and the query-termination pass's fields (QueryTerminationStatus). */
export interface RemediationStatus extends QueryTerminationStatus {
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
  /** Sessions left alone, and why (at most 10). */
  skipped?: SkippedSession[];
  /** When monitoring started (RFC 3339). */
  monitoringStartedAt?: string;
  /** Since when the target has been healthy without interruption (RFC 3339). */
  healthySince?: string;
  /** The owner's consent, as checked right before acting (RemediationNotPermitted when absent). */
  consent?: RemediationConsentStatus;
  /** Rollback: pod-template-hash of the bad revision rolled back from (its return while monitoring = reverted). */
  fromTemplateHash?: string;
  /** Rollback: pod-template-hash of the revision rolled back to. */
  toTemplateHash?: string;
  /** Rollback: the GitOps owner's automation suspended for it, with the value to restore. */
  gitops?: GitOpsSuspensionStatus;
  /** Rollback of a Helm-managed Deployment (opted in): why it is drift. */
  drift?: string;
  /** Rollback decided from the cache and patched before this Incident was opened (ROLLBACK_FAST_PATH); the Deployment's runbook.dev/fast-rollback annotation is its record. */
  fastPath?: boolean;
  /** Rollback of a GitOps- or Helm-owned Deployment: the strategy and which setting chose it. */
  ownerStrategy?: OwnerStrategyStatus;
  /** Rollback of a StatefulSet target: the ControllerRevisions and the pods restarted. */
  statefulSet?: StatefulSetRollbackStatus;
}

/** A StatefulSet rollback (issue 15): by ControllerRevision, as `kubectl rollout undo statefulset` does. */
export interface StatefulSetRollbackStatus {
  /** ControllerRevision rolled back from (the update revision when decided). */
  fromControllerRevision: string;
  /** ControllerRevision whose pod template was put back. */
  toControllerRevision: string;
  /** Which rule chose it: Recorded (runbook.dev/last-known-good), HealthyPods (its pods were ready, none crash-looping), PreviousRevisionFallback or Requested (spec.rollback.toRevision). */
  knownGoodRule: string;
  /** Pods of the bad revision that were not ready and were deleted so the controller recreates them (an OrderedReady rollout waits for them forever otherwise). */
  restartedPods?: string[];
}
