/** What controllers read: informer caches (never mutated; objects are frozen by the informer). */
import type { Incident } from '../api/incident.js';
import type { KubeDeployment, KubeNamespace, KubePod, KubeReplicaSet } from '../decide/kube-types.js';

export interface ReadCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** Objects whose controller owner is `namespace/ownerName` (pods by ReplicaSet, ReplicaSets by Deployment). */
  byOwner?(namespace: string, ownerName: string): readonly T[];
}

export const OWNER_INDEX = 'controller-owner';

/** Index function: `namespace/name` of the object's controller owner. */
export function controllerOwnerKey(o: { metadata?: { namespace?: string; ownerReferences?: readonly { name?: string; controller?: boolean }[] } }): string[] {
  const owner = o.metadata?.ownerReferences?.find((r) => r.controller);
  return owner?.name ? [`${o.metadata?.namespace ?? ''}/${owner.name}`] : [];
}

export interface Caches {
  incidents: ReadCache<Incident>;
  deployments: ReadCache<KubeDeployment>;
  replicaSets: ReadCache<KubeReplicaSet>;
  pods: ReadCache<KubePod>;
  namespaces: ReadCache<KubeNamespace>;
  policies: ReadCache<{ metadata?: { name?: string; namespace?: string }; spec?: unknown }>;
  /**
   * False while any informer is re-listing or backing off after a failed watch (an API server outage):
   * the caches may be stale then, and controllers wait instead of deciding on old state.
   */
  fresh?(): boolean;
}
