/** Port: what controllers and adapters read — informer caches (never mutated; objects are frozen). */
import type { Incident } from '../api/incident.js';
import type { KubeDeployment, KubeNamespace, KubePod, KubeReplicaSet } from '../decide/kube-types.js';
import type { KubeControllerRevision, KubeStatefulSet } from '../decide/statefulset-rollback.js';

export { controllerOwnerKey } from '../decide/owner-references.js';

export interface ReadCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** Objects whose controller owner is `namespace/ownerName` (pods by ReplicaSet, ReplicaSets by Deployment). */
  byOwner?(namespace: string, ownerName: string): readonly T[];
}

export const OWNER_INDEX = 'controller-owner';

/** An EscalationPolicy object as cached (its spec is validated when used). */
export interface PolicyObject { metadata?: { name?: string; namespace?: string; generation?: number }; spec?: unknown }

export interface Caches {
  incidents: ReadCache<Incident>;
  deployments: ReadCache<KubeDeployment>;
  replicaSets: ReadCache<KubeReplicaSet>;
  pods: ReadCache<KubePod>;
  namespaces: ReadCache<KubeNamespace>;
  policies: ReadCache<PolicyObject>;
  /** StatefulSet targets (issue 15); absent in setups without them. */
  statefulSets?: ReadCache<KubeStatefulSet>;
  /** ControllerRevisions, by their StatefulSet (owner index). */
  controllerRevisions?: ReadCache<KubeControllerRevision>;
  /**
   * False while any informer is re-listing or backing off after a failed watch (an API server outage):
   * the caches may be stale then, and the work queues hold every key back instead of deciding on old state.
   */
  fresh?(): boolean;
}
