/**
 * StatefulSet fixtures for the Remediate integration tests (issue 15): apply a StatefulSet (kwok pods; the
 * crash-loop label makes them crash-loop, see test/cluster/stages/pod-crashloop.yaml), read it, its
 * ControllerRevisions and pods, wait for health or a crash loop, and open an Incident that targets it.
 */
import { applyYaml, getJson, kubectl, waitFor } from './cluster.js';
import { CRASHLOOP_LABEL, type Json } from './rollout.js';

export interface StatefulSetFixture {
  name: string;
  namespace: string;
  image: string;
  replicas?: number;
  crashLoop?: boolean;
  labels?: Record<string, string>;
  /** rollingUpdate.partition */
  partition?: number;
  onDelete?: boolean;
}

export function statefulSetJson(f: StatefulSetFixture): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: f.name, namespace: f.namespace, labels: { app: f.name, ...(f.labels ?? {}) } },
    spec: {
      replicas: f.replicas ?? 2,
      serviceName: f.name,
      selector: { matchLabels: { app: f.name } },
      updateStrategy: f.onDelete ? { type: 'OnDelete' } : { type: 'RollingUpdate', rollingUpdate: { partition: f.partition ?? 0 } },
      template: {
        metadata: { labels: { app: f.name, ...(f.crashLoop ? { [CRASHLOOP_LABEL]: 'true' } : {}) } },
        spec: {
          containers: [{ name: 'app', image: f.image }],
          tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    },
  });
}

export async function applyStatefulSet(f: StatefulSetFixture): Promise<void> {
  await applyYaml(statefulSetJson(f));
}

export async function getStatefulSet(ns: string, name: string): Promise<Json> {
  return getJson(['get', 'statefulset', name, '-n', ns]);
}

/** ControllerRevision name → revision number, for the StatefulSet `app`. */
export async function controllerRevisions(ns: string, app: string): Promise<Map<string, number>> {
  const items = (await getJson<{ items: Json[] }>(['get', 'controllerrevisions', '-n', ns, '-l', `app=${app}`])).items;
  return new Map(items.map((r: Json) => [r.metadata.name as string, r.revision as number]));
}

export async function statefulSetPods(ns: string, app: string): Promise<Json[]> {
  return (await getJson<{ items: Json[] }>(['get', 'pods', '-n', ns, '-l', `app=${app}`])).items.filter((p: Json) => !p.metadata.deletionTimestamp);
}

const isReady = (p: Json) => (p.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');

/** Every replica ready at the update revision, and every pod running `image`. */
export async function waitForStatefulSetHealthy(ns: string, name: string, image: string, timeoutMs = 90_000): Promise<{ sts: Json; pods: Json[] }> {
  return waitFor(`statefulset ${name} healthy with ${image}`, async () => {
    const sts = await getStatefulSet(ns, name);
    const s = sts.status ?? {};
    const desired = sts.spec?.replicas ?? 1;
    if ((s.observedGeneration ?? 0) < sts.metadata.generation || s.readyReplicas !== desired || s.updatedReplicas !== desired || s.currentRevision !== s.updateRevision) return undefined;
    const pods = await statefulSetPods(ns, name);
    if (pods.length !== desired || !pods.every((p) => isReady(p) && p.spec.containers[0].image === image)) return undefined;
    return { sts, pods };
  }, timeoutMs, 300);
}

/** A pod of `app` running `image` in CrashLoopBackOff. */
export async function waitForStatefulSetCrashLoop(ns: string, app: string, image: string, timeoutMs = 60_000): Promise<Json> {
  return waitFor(`a pod of ${app} crash-looping on ${image}`, async () => (await statefulSetPods(ns, app)).find((p) =>
    p.spec.containers[0].image === image && p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff'), timeoutMs, 300);
}

export async function createStatefulSetIncident(ns: string, name: string, target: string, rollback: Record<string, unknown> = { policy: 'Automatic' }): Promise<void> {
  const body = JSON.stringify({
    apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name, namespace: ns },
    spec: { severity: 'P1', summary: `StatefulSet ${target} is failing`, runbook: 'APIOutage', target: { kind: 'StatefulSet', name: target }, rollback },
  });
  const r = await kubectl(['create', '-f', '-'], { input: body });
  if (r.code !== 0) throw new Error(`creating incident ${name}: ${r.stderr}`);
}

/** Events on the Incident `name` in `ns`. */
export async function incidentEvents(ns: string, name: string): Promise<Json[]> {
  return (await getJson<{ items: Json[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`])).items;
}
