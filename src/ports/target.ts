/** Port: the gathered view of an Incident's target (read from the caches, no API calls). */
import type { PodHealth } from '../api/pod-health.js';
import type { KubeDeployment, KubePod, KubeReplicaSet } from '../decide/kube-types.js';
import type { KubeControllerRevision, KubeStatefulSet } from '../decide/statefulset-rollback.js';

export interface TargetSnapshot {
  /** The Deployment, absent when not in the cache. */
  deployment?: KubeDeployment;
  /** ReplicaSets it controls. */
  replicaSets: readonly KubeReplicaSet[];
  /** Pods of those ReplicaSets. */
  pods: readonly KubePod[];
  /** The target's kind (absent: Deployment). */
  kind?: 'Deployment' | 'StatefulSet';
  /** StatefulSet target: the StatefulSet, absent when not in the cache. */
  statefulSet?: KubeStatefulSet;
  /** StatefulSet target: the ControllerRevisions it controls, newest first. */
  controllerRevisions?: readonly KubeControllerRevision[];
  /** Summary by revision (absent without the workload). */
  podHealth?: PodHealth;
  /** Available, every replica ready, nothing crash-looping. */
  healthy: boolean;
  /** One line. */
  summary: string;
}
