/** What controllers read: informer caches (never mutated; objects are frozen by the informer). */
import type { Incident } from '../api/incident.js';
import type { KubeDeployment, KubeNamespace, KubePod, KubeReplicaSet } from '../decide/kube-types.js';

export interface ReadCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export interface Caches {
  incidents: ReadCache<Incident>;
  deployments: ReadCache<KubeDeployment>;
  replicaSets: ReadCache<KubeReplicaSet>;
  pods: ReadCache<KubePod>;
  namespaces: ReadCache<KubeNamespace>;
  policies: ReadCache<{ metadata?: { name?: string; namespace?: string }; spec?: unknown }>;
}
