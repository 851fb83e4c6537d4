/** Fixtures for the StatefulSet decision tests: a StatefulSet `db`, its ControllerRevisions and pods. */
import type { KubePod } from '../../../src/decide/kube-types.js';
import type { KubeControllerRevision, KubeStatefulSet } from '../../../src/decide/statefulset-rollback.js';

export const tpl = (image: string) => ({ metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } });

export const cr = (revision: number, image: string, owner = 'db', hash = `h${revision}`): KubeControllerRevision => ({
  metadata: {
    name: `${owner}-${hash}`, namespace: 'shop', labels: { 'controller.kubernetes.io/hash': hash },
    creationTimestamp: new Date(Date.UTC(2026, 11, 1, 6, revision)).toISOString(),
    ownerReferences: [{ kind: 'StatefulSet', name: owner, uid: `uid-${owner}`, controller: true }],
  },
  revision,
  data: { spec: { template: { ...tpl(image), $patch: 'replace' } } },
});

export interface StsOptions {
  replicas?: number; ready?: number; updated?: number; update?: string; current?: string;
  annotations?: Record<string, string>; generation?: number; observed?: number; partition?: number; type?: string;
}

export const sts = (o: StsOptions = {}): KubeStatefulSet => ({
  metadata: { name: 'db', namespace: 'shop', uid: 'uid-db', resourceVersion: '42', generation: o.generation ?? 2, annotations: o.annotations ?? {} },
  spec: {
    replicas: o.replicas ?? 3, template: tpl('db:2'),
    updateStrategy: { type: o.type ?? 'RollingUpdate', ...(o.partition !== undefined ? { rollingUpdate: { partition: o.partition } } : {}) },
  },
  status: {
    observedGeneration: o.observed ?? o.generation ?? 2, replicas: o.replicas ?? 3, readyReplicas: o.ready ?? 2, availableReplicas: o.ready ?? 2,
    updatedReplicas: o.updated ?? 1, currentRevision: o.current ?? 'db-h1', updateRevision: o.update ?? 'db-h2',
  },
});

export const pod = (ordinal: number, revisionName: string, health: 'ready' | 'crashloop' | 'starting', owner = 'db'): KubePod => ({
  metadata: {
    name: `${owner}-${ordinal}`, namespace: 'shop', uid: `pod-uid-${owner}-${ordinal}`, labels: { app: 'db', 'controller-revision-hash': revisionName },
    ownerReferences: [{ kind: 'StatefulSet', name: owner, uid: `uid-${owner}`, controller: true }],
  },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: health === 'ready' ? 'True' : 'False' }],
    containerStatuses: [health === 'crashloop'
      ? { name: 'db', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }
      : health === 'starting'
        ? { name: 'db', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }
        : { name: 'db', ready: true, restartCount: 0, state: { running: {} } }],
  },
});

export const revisions = [cr(1, 'db:1'), cr(2, 'db:2'), cr(7, 'other:7', 'other')];
