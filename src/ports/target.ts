/** Port: the gathered view of an Incident's target (read from the caches, no API calls). */
import type { PodHealth } from '../api/pod-health.js';
import type { KubeDeployment, KubePod, KubeReplicaSet } from '../decide/kube-types.js';

export interface TargetSnapshot {
  /** The Deployment, absent when not in the cache. */
  deployment?: KubeDeployment;
  /** ReplicaSets it controls. */
  replicaSets: readonly KubeReplicaSet[];
  /** Pods of those ReplicaSets. */
  pods: readonly KubePod[];
  /** Summary by revision (absent without a Deployment). */
  podHealth?: PodHealth;
  /** Available, every replica ready, nothing crash-looping. */
  healthy: boolean;
  /** One line. */
  summary: string;
}
