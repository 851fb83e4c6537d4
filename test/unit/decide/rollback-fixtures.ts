/** Fixture builders for the decision tests (plain API-JSON-shaped objects). */
import type {
  KubeCondition,
  KubeContainerStatus,
  KubeDeployment,
  KubePod,
  KubePodTemplateSpec,
  KubeReplicaSet,
} from '../../../src/decide/kube-types.js';

export const NS = 'patient-advocacy';
export const DEPLOYMENT_NAME = 'patient-advocacy-api';
export const DEPLOYMENT_UID = 'uid-deployment-1';

export interface TemplateOptions {
  image?: string;
  hash?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  env?: { name: string; value: string }[];
  extraSpec?: Record<string, unknown>;
  resources?: Record<string, unknown>;
}

export function aTemplate(opts: TemplateOptions = {}): KubePodTemplateSpec {
  const labels: Record<string, string> = { app: 'api', ...(opts.labels ?? {}) };
  if (opts.hash !== undefined) labels['pod-template-hash'] = opts.hash;
  const container: Record<string, unknown> = { name: 'api', image: opts.image ?? 'registry.local/api:1.0.0' };
  if (opts.env !== undefined) container['env'] = opts.env;
  if (opts.resources !== undefined) container['resources'] = opts.resources;
  return {
    metadata: { labels, ...(opts.annotations !== undefined ? { annotations: opts.annotations } : {}) },
    spec: { containers: [container], ...(opts.extraSpec ?? {}) },
  };
}

export interface DeploymentOptions {
  name?: string;
  uid?: string;
  revision?: number;
  annotations?: Record<string, string>;
  noAnnotations?: boolean;
  labels?: Record<string, string>;
  template?: KubePodTemplateSpec;
  replicas?: number;
  paused?: boolean;
  resourceVersion?: string | null;
  generation?: number;
  status?: Record<string, unknown>;
  deletionTimestamp?: string;
}

export function aDeployment(opts: DeploymentOptions = {}): KubeDeployment {
  const annotations: Record<string, string> = {
    ...(opts.revision !== undefined ? { 'deployment.kubernetes.io/revision': String(opts.revision) } : {}),
    ...(opts.annotations ?? {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: opts.name ?? DEPLOYMENT_NAME,
      namespace: NS,
      uid: opts.uid ?? DEPLOYMENT_UID,
      ...(opts.resourceVersion === null ? {} : { resourceVersion: opts.resourceVersion ?? '4711' }),
      generation: opts.generation ?? 1,
      ...(opts.noAnnotations === true ? {} : { annotations }),
      ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
      ...(opts.deletionTimestamp !== undefined ? { deletionTimestamp: opts.deletionTimestamp } : {}),
    },
    spec: {
      replicas: opts.replicas ?? 3,
      ...(opts.paused !== undefined ? { paused: opts.paused } : {}),
      selector: { matchLabels: { app: 'api' } },
      template: opts.template ?? aTemplate(),
    },
    status: { observedGeneration: opts.generation ?? 1, ...(opts.status ?? {}) },
  };
}

export interface ReplicaSetOptions {
  deployment?: KubeDeployment;
  hash?: string;
  annotations?: Record<string, string>;
  createdAt?: string | Date;
  ownerUid?: string;
  controller?: boolean;
  name?: string;
}

/** A ReplicaSet controlled by the deployment; `template` gets the pod-template-hash label added. */
export function aReplicaSet(revision: number, template: KubePodTemplateSpec = aTemplate(), opts: ReplicaSetOptions = {}): KubeReplicaSet {
  const deployment = opts.deployment ?? aDeployment();
  const depName = deployment.metadata?.name ?? DEPLOYMENT_NAME;
  const hash = opts.hash ?? `h${revision}`;
  const tpl: KubePodTemplateSpec = {
    ...template,
    metadata: {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
    },
  };
  return {
    metadata: {
      name: opts.name ?? `${depName}-${hash}`,
      namespace: NS,
      uid: `uid-rs-${hash}`,
      labels: { app: 'api', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(opts.annotations ?? {}) },
      creationTimestamp: opts.createdAt ?? `2024-05-0${Math.min(9, Math.max(1, revision))}T10:00:00Z`,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: depName,
          uid: opts.ownerUid ?? deployment.metadata?.uid ?? DEPLOYMENT_UID,
          controller: opts.controller ?? true,
        },
      ],
    },
    spec: { replicas: 1, selector: { matchLabels: { app: 'api', 'pod-template-hash': hash } }, template: tpl },
  };
}

export interface PodOptions {
  name?: string;
  waiting?: string;
  running?: boolean;
  restarts?: number;
  lastExitCode?: number;
  lastReason?: string;
  terminatedExitCode?: number;
  ready?: boolean;
  phase?: string;
  initWaiting?: string;
}

let podCounter = 0;

export function aPod(rs: KubeReplicaSet, opts: PodOptions = {}): KubePod {
  podCounter += 1;
  const state: KubeContainerStatus['state'] =
    opts.waiting !== undefined
      ? { waiting: { reason: opts.waiting, message: 'back-off restarting failed container; log: patient 123' } }
      : opts.terminatedExitCode !== undefined
        ? { terminated: { exitCode: opts.terminatedExitCode, reason: 'Error' } }
        : { running: { startedAt: '2024-05-01T10:00:00Z' } };
  const status: KubeContainerStatus = {
    name: 'api',
    ready: opts.ready ?? opts.waiting === undefined,
    restartCount: opts.restarts ?? 0,
    image: 'registry.local/api',
    state,
    ...(opts.lastExitCode !== undefined
      ? { lastState: { terminated: { exitCode: opts.lastExitCode, reason: opts.lastReason ?? 'Error', message: 'raw log' } } }
      : {}),
  };
  const ready = opts.ready ?? opts.waiting === undefined;
  const conditions: KubeCondition[] = [{ type: 'Ready', status: ready ? 'True' : 'False' }];
  return {
    metadata: {
      name: opts.name ?? `${rs.metadata?.name ?? 'rs'}-p${podCounter}`,
      namespace: NS,
      uid: `uid-pod-${podCounter}`,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', controller: true },
      ],
    },
    status: {
      phase: opts.phase ?? 'Running',
      conditions,
      containerStatuses: [status],
      ...(opts.initWaiting !== undefined
        ? { initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 5, state: { waiting: { reason: opts.initWaiting } } }] }
        : {}),
    },
  };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value as Record<string, unknown>)) deepFreeze(member);
  }
  return value;
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

export function availableCondition(status: 'True' | 'False', at: string): KubeCondition {
  return { type: 'Available', status, reason: 'MinimumReplicasAvailable', lastTransitionTime: at, lastUpdateTime: at };
}

export function progressingCondition(reason: string, at: string): KubeCondition {
  return { type: 'Progressing', status: 'True', reason, lastTransitionTime: at, lastUpdateTime: at };
}
