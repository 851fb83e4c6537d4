/**
 * Helpers for the Remediate integration tests: read Deployments, ReplicaSets, pods and Incidents from the real
 * API server (raw JSON through kubectl), wait for revisions / crash loops / incident phases, build Incidents.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ensureCluster, getJson, kubectl, repoRoot, waitFor, applyYaml } from './cluster.js';
import { deploymentYaml, type DeploymentFixture } from './workloads.js';

export type Json = any;

export const REVISION = 'deployment.kubernetes.io/revision';
export const LAST_KNOWN_GOOD = 'runbook.dev/last-known-good';
export const ROLLBACK_HISTORY = 'runbook.dev/rollback-history';
export const ROLLED_BACK_BY = 'runbook.dev/rolled-back-by';
export const CRASHLOOP_LABEL = 'chaos.runbook.dev/crashloop';
export const OPT_IN = { 'runbook.dev/auto-rollback': 'enabled' } as const;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function getDeployment(ns: string, name: string): Promise<Json> {
  return getJson(['get', 'deployment', name, '-n', ns]);
}

export function revisionOf(obj: Json): number {
  return Number(obj?.metadata?.annotations?.[REVISION] ?? NaN);
}

export function imageOf(d: Json): string | undefined {
  return d?.spec?.template?.spec?.containers?.[0]?.image;
}

export function templateHasCrashLoop(d: Json): boolean {
  return d?.spec?.template?.metadata?.labels?.[CRASHLOOP_LABEL] === 'true';
}

/** ReplicaSets of the fixture Deployment (selector app=<name>). */
export async function listReplicaSets(ns: string, app: string): Promise<Json[]> {
  return (await getJson<{ items: Json[] }>(['get', 'replicasets', '-n', ns, '-l', `app=${app}`])).items;
}

export async function listPods(ns: string, app: string): Promise<Json[]> {
  return (await getJson<{ items: Json[] }>(['get', 'pods', '-n', ns, '-l', `app=${app}`])).items;
}

/** Revision number → ReplicaSet for the Deployment `app`. */
export async function replicaSetsByRevision(ns: string, app: string): Promise<Map<number, Json>> {
  return new Map((await listReplicaSets(ns, app)).map((rs) => [revisionOf(rs), rs]));
}

export async function applyDeployment(f: DeploymentFixture): Promise<void> {
  await applyYaml(deploymentYaml(f));
}

export async function waitForRevision(ns: string, name: string, revision: number, timeoutMs = 60_000): Promise<Json> {
  return waitFor(`deployment ${name} revision ${revision}`, async () => {
    const d = await getDeployment(ns, name);
    return revisionOf(d) === revision ? d : undefined;
  }, timeoutMs, 300);
}

/** Available, every desired replica updated/ready/available, spec observed; all pods Running and Ready with `image`. */
export async function waitForHealthy(ns: string, name: string, image: string, timeoutMs = 90_000): Promise<Json> {
  return waitFor(`deployment ${name} healthy with ${image}`, async () => {
    const d = await getDeployment(ns, name);
    const s = d.status ?? {};
    const desired = d.spec?.replicas ?? 1;
    const available = (s.conditions ?? []).some((c: Json) => c.type === 'Available' && c.status === 'True');
    if (!available || (s.observedGeneration ?? 0) < d.metadata.generation) return undefined;
    if (![s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas].every((n) => n === desired)) return undefined;
    const pods = (await listPods(ns, name)).filter((p) => !p.metadata.deletionTimestamp);
    if (pods.length !== desired) return undefined;
    const ok = pods.every((p) => p.status?.phase === 'Running'
      && p.spec.containers[0].image === image
      && (p.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True'));
    return ok ? { deployment: d, pods } : undefined;
  }, timeoutMs, 300);
}

/** At least `count` pods of `app` (optionally of `image`) are CrashLoopBackOff with restartCount >= minRestarts. */
export async function waitForCrashLoop(ns: string, app: string, opts: { count?: number; minRestarts?: number; image?: string; timeoutMs?: number } = {}): Promise<Json[]> {
  const { count = 1, minRestarts = 0, image, timeoutMs = 60_000 } = opts;
  return waitFor(`${count} pod(s) of ${app} crash-looping with >= ${minRestarts} restarts`, async () => {
    const crashing = (await listPods(ns, app)).filter((p) => {
      const cs = p.status?.containerStatuses?.[0];
      return !p.metadata.deletionTimestamp && (!image || p.spec.containers[0].image === image)
        && cs?.state?.waiting?.reason === 'CrashLoopBackOff' && (cs.restartCount ?? 0) >= minRestarts;
    });
    return crashing.length >= count ? crashing : undefined;
  }, timeoutMs, 400);
}

export async function waitForLastKnownGood(ns: string, name: string, revision: number, timeoutMs = 60_000): Promise<{ revision: number; templateHash: string; recordedAt: string }> {
  return waitFor(`${LAST_KNOWN_GOOD} of ${name} = revision ${revision}`, async () => {
    const raw = (await getDeployment(ns, name)).metadata?.annotations?.[LAST_KNOWN_GOOD];
    if (!raw) return undefined;
    const rec = JSON.parse(raw);
    return rec.revision === revision ? rec : undefined;
  }, timeoutMs, 300);
}

// ---- Incidents ----

export async function getIncident(ns: string, name: string): Promise<Json> {
  return getJson(['get', 'incidents.runbook.dev', name, '-n', ns]);
}

export async function listIncidents(ns: string, selector?: string): Promise<Json[]> {
  return (await getJson<{ items: Json[] }>(['get', 'incidents.runbook.dev', '-n', ns, ...(selector ? ['-l', selector] : [])])).items;
}

export async function waitForIncidentPhase(ns: string, name: string, phases: string | string[], timeoutMs = 90_000): Promise<Json> {
  const want = Array.isArray(phases) ? phases : [phases];
  let last: Json;
  try {
    return await waitFor(`incident ${name} phase in ${want.join('|')}`, async () => {
      last = await getIncident(ns, name);
      return want.includes(last?.status?.phase) ? last : undefined;
    }, timeoutMs, 300);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(summariseIncident(last))}`, { cause: e });
  }
}

/** Phase, reason, remediation and timeline types: enough to read a failure. */
export function summariseIncident(i: Json): Json {
  return i && {
    name: i.metadata?.name, phase: i.status?.phase, phaseReason: i.status?.phaseReason,
    remediation: i.status?.remediation, proposal: i.status?.diagnosis?.proposal, summary: i.status?.diagnosis?.summary,
    timeline: timelineTypes(i),
  };
}

export function timelineTypes(i: Json): string[] {
  return (i?.status?.timeline ?? []).map((e: Json) => e.type);
}

/** Index of each of `types` in the timeline, in that order (each searched after the previous); -1 when missing. */
export function orderedIndices(timeline: string[], types: string[]): number[] {
  const out: number[] = [];
  let from = 0;
  for (const t of types) {
    const i = timeline.indexOf(t, from);
    out.push(i);
    if (i >= 0) from = i + 1;
  }
  return out;
}

export interface IncidentFixture {
  name: string;
  namespace: string;
  severity?: 'P0' | 'P1' | 'P2' | 'P3';
  summary?: string;
  runbook?: 'APIOutage' | 'DatabasePerformance' | 'CrashLoop';
  target?: string;
  rollback?: { policy?: 'Automatic' | 'Manual' | 'Disabled'; toRevision?: number; approved?: boolean; allowUnverified?: boolean };
  database?: Record<string, unknown>;
}

export function incidentJson(f: IncidentFixture): string {
  return JSON.stringify({
    apiVersion: 'runbook.dev/v1alpha1',
    kind: 'Incident',
    metadata: { name: f.name, namespace: f.namespace },
    spec: {
      severity: f.severity ?? 'P1',
      summary: f.summary ?? 'integration test incident',
      runbook: f.runbook ?? 'APIOutage',
      ...(f.target ? { target: { kind: 'Deployment', name: f.target } } : {}),
      ...(f.rollback ? { rollback: f.rollback } : {}),
      ...(f.database ? { database: f.database } : {}),
    },
  });
}

export async function createIncident(f: IncidentFixture): Promise<void> {
  const r = await kubectl(['create', '-f', '-'], { input: incidentJson(f) });
  if (r.code !== 0) throw new Error(`creating incident ${f.name}: ${r.stderr}`);
}

/** client-node AppsV1Api authenticated with the admin kubeconfig of the shared test cluster. */
export function adminAppsApi(): k8s.AppsV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(ensureCluster().kubeconfig);
  return kc.makeApiClient(k8s.AppsV1Api);
}

/**
 * Revision 1 healthy on `good`, then revision 2 on `bad` with the crash-loop label; resolves once at least one pod
 * of revision 2 is in CrashLoopBackOff (with >= minRestarts restarts).
 */
export async function badRollout(f: Omit<DeploymentFixture, 'image' | 'crashLoop'> & { good: string; bad: string; minRestarts?: number }): Promise<Json> {
  const { good, bad, minRestarts = 0, ...base } = f;
  await applyDeployment({ ...base, image: good });
  await waitForHealthy(base.namespace, base.name, good);
  await applyDeployment({ ...base, image: bad, crashLoop: true });
  await waitForRevision(base.namespace, base.name, 2);
  await waitForCrashLoop(base.namespace, base.name, { image: bad, minRestarts });
  return getDeployment(base.namespace, base.name);
}

/** Runs bin/kubectl-incident (the kubectl plugin) against the admin kubeconfig, with the harness kubectl on PATH. */
export async function kubectlIncident(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const h = ensureCluster();
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'bin/kubectl-incident'), ...args, '--kubeconfig', h.kubeconfig], {
      env: { ...process.env, PATH: `${h.binDir}:${process.env.PATH}` }, timeout: 60_000, encoding: 'utf8',
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}
