/**
 * The pod fields the controllers read, and nothing else: at 10k cached pods the full objects (specs,
 * env, volumes, managedFields, conditions' messages) dominate the operator's heap.
 */
import type * as k8s from '@kubernetes/client-node';

function containerStatus(c: k8s.V1ContainerStatus): k8s.V1ContainerStatus {
  return {
    name: c.name, ready: c.ready, restartCount: c.restartCount, image: c.image, imageID: '',
    ...(c.started !== undefined ? { started: c.started } : {}),
    ...(c.state ? { state: stateOf(c.state) } : {}),
    ...(c.lastState ? { lastState: stateOf(c.lastState) } : {}),
  };
}

function stateOf(s: k8s.V1ContainerState): k8s.V1ContainerState {
  const out: k8s.V1ContainerState = {};
  if (s.running) out.running = {};
  if (s.waiting) out.waiting = { reason: s.waiting.reason };
  if (s.terminated) out.terminated = { exitCode: s.terminated.exitCode, reason: s.terminated.reason };
  return out;
}

export function projectPod(p: k8s.V1Pod): k8s.V1Pod {
  const m = p.metadata ?? {};
  return {
    metadata: {
      name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, labels: m.labels,
      ownerReferences: m.ownerReferences?.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: o.controller })),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    spec: { nodeName: p.spec?.nodeName, containers: (p.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image })) },
    status: {
      phase: p.status?.phase,
      conditions: p.status?.conditions?.map((c) => ({ type: c.type, status: c.status })),
      containerStatuses: p.status?.containerStatuses?.map(containerStatus),
      ...(p.status?.initContainerStatuses ? { initContainerStatuses: p.status.initContainerStatuses.map(containerStatus) } : {}),
    },
  };
}
