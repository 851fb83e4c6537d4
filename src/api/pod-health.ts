/**
 * Pod health of the target Deployment, grouped by revision (`status.podHealth`, `status.diagnosis.pods`).
 * Bounded and PHI-safe: container `message` fields (which can carry raw log output) are never copied.
 */

/** A container's current state, as the kubelet reports it. */
export type ContainerStateName = 'running' | 'waiting' | 'terminated';

/** One container of a summarised pod. */
export interface ContainerHealth {
  /** Container name. */
  readonly name: string;
  /** True for an init container. */
  readonly init: boolean;
  /** Current state. */
  readonly state: ContainerStateName;
  /** Waiting or terminated reason (e.g. CrashLoopBackOff, Error), never the message. */
  readonly reason?: string;
  /** Exit code of the current termination. */
  readonly exitCode?: number;
  /** Exit code of the previous termination (lastState). */
  readonly lastExitCode?: number;
  /** Reason of the previous termination (lastState). */
  readonly lastReason?: string;
  /** Restarts of this container. */
  readonly restartCount: number;
}

/** One pod of the target, by its ReplicaSet's revision. */
export interface PodSummary {
  /** Pod name. */
  readonly name: string;
  /** Revision of the ReplicaSet that owns the pod (0 when unknown). */
  readonly revision: number;
  /** Pod phase (Pending, Running, ...). */
  readonly phase: string;
  /** Ready condition is True. */
  readonly ready: boolean;
  /** Restarts of all containers. */
  readonly restarts: number;
  /** At least one container is crash-looping. */
  readonly crashLooping: boolean;
  /** Its containers, init containers first. */
  readonly containers: ContainerHealth[];
}

/** Pod counts of one revision. */
export interface RevisionHealth {
  /** Deployment revision (deployment.kubernetes.io/revision of the ReplicaSet). */
  readonly revision: number;
  /** Pods of this revision. */
  readonly pods: number;
  /** Ready pods of this revision. */
  readonly ready: number;
  /** Crash-looping pods of this revision. */
  readonly crashLooping: number;
}

/** The whole pod-health summary as diagnosis records it. */
export interface PodHealth {
  /** spec.replicas (default 1). */
  readonly desired: number;
  /** status.readyReplicas. */
  readonly ready: number;
  /** status.availableReplicas. */
  readonly available: number;
  /** Pods owned (through a ReplicaSet) by the Deployment. */
  readonly total: number;
  /** Revisions that have pods, newest first. */
  readonly byRevision: RevisionHealth[];
  /** At most 20 pods: crash-looping first, then newest revision, then name. */
  readonly pods: PodSummary[];
  /** Pods left out of `pods` by the bound. */
  readonly omittedPods: number;
  /** Count of containers waiting, per waiting reason. */
  readonly waitingReasons: Record<string, number>;
  /** Pods with a crash-looping container. */
  readonly crashLoopingPods: number;
  /** One line, e.g. `2/3 ready; 1 pod(s) CrashLoopBackOff at revision 4`. */
  readonly summary: string;
}

/** `status.podHealth`: the live counts of the target, refreshed on every reconcile. */
export interface PodHealthStatus {
  /** spec.replicas (default 1). */
  desired: number;
  /** Ready replicas. */
  ready: number;
  /** Available replicas. */
  available: number;
  /** Pods owned by the Deployment. */
  total: number;
  /** Pods with a crash-looping container. */
  crashLoopingPods: number;
  /** Count of containers waiting, per waiting reason. */
  waitingReasons: Record<string, number>;
  /** Newest five revisions that have pods. */
  byRevision: RevisionHealth[];
  /** One-line summary. */
  summary: string;
}
