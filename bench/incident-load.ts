/**
 * npm run bench:load — 500 Incidents created at once (issue 17, "Load"): the time until every one is
 * diagnosed (status.diagnosis written for its generation, as delivered by a watch), each Incident's own
 * time to diagnosis (create request sent → diagnosed status on the watch; p50/p90/p99/max), and the same
 * API calls made by a plain script for the ratio. The operator runs in this process with its clients on a
 * counting KubeConfig (bench/api-call-counter.ts), so "the same calls" are the ones it was seen making:
 * per Incident the create, its status writes with the operator's own status body, its Events with the
 * operator's reasons and messages, and the live target reads — at the same concurrency, all creates first.
 *
 * Env: LOAD_INCIDENTS=500, LOAD_CONCURRENCY=16 (the bench's create concurrency and the operator's WORKERS).
 */
import * as k8s from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { ensureCluster } from '../test/harness/cluster.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { makeClients } from '../src/kube/clients.js';
import { startOperator } from '../src/operator.js';
import { CountingKubeConfig } from './api-call-counter.js';

const N = Number(process.env.LOAD_INCIDENTS ?? 500);
const C = Number(process.env.LOAD_CONCURRENCY ?? 16);
const G = 'runbook.dev';
const V = 'v1alpha1';
const OPERATOR_NS = 'incident-operator-system';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => +x.toFixed(2));

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++]!); }));
}

function stats(xs: number[]): { p50: number; p90: number; p99: number; max: number } | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const p = (q: number) => Math.round(s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)]!);
  return { p50: p(50), p90: p(90), p99: p(99), max: Math.round(s[s.length - 1]!) };
}

async function waitUntil(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(intervalMs);
  }
}

const incident = (ns: string, name: string) => ({
  apiVersion: `${G}/${V}`, kind: 'Incident', metadata: { name, namespace: ns },
  spec: { severity: 'P3', summary: 'load test', runbook: 'CrashLoop', target: { kind: 'Deployment', name: 'api' } },
});

interface Seen { metadata: { name: string; generation?: number; resourceVersion?: string }; status?: { diagnosis?: { generation?: number } } & Record<string, unknown> }
type Created = { metadata: { resourceVersion?: string } };

async function main(): Promise<void> {
  const kubeconfig = ensureCluster().kubeconfig;
  const kc = new k8s.KubeConfig(); // the bench's own calls (not counted)
  kc.loadFromFile(kubeconfig);
  const operatorKc = new CountingKubeConfig();
  operatorKc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = `load-${Date.now().toString(36)}`;
  const plainNs = `${ns}-plain`;
  const lease = `bench-${ns}`;
  console.log(`[load] ${new Date().toISOString()} ${N} Incidents, concurrency ${C}; load average ${load().join(' ')}`);
  for (const n of [ns, plainNs]) await core.createNamespace({ body: { metadata: { name: n } } });
  try {
    await apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'api', labels: { 'runbook.dev/auto-rollback': 'enabled' } }, spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'load.test/api:1' }] } } } } });
    await waitUntil('target available', async () => ((await apps.readNamespacedDeployment({ name: 'api', namespace: ns })).status?.availableReplicas ?? 0) >= 1, 120_000, 500);
    const config = loadConfig({ ...process.env, WATCH_NAMESPACES: ns, LEASE_NAME: lease, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', WORKERS: String(C), MONITOR_WINDOW_SECONDS: '600', HEALTHY_STABLE_WINDOW_SECONDS: '1' });
    let statusWrites = 0;
    const op = await startOperator({ config, log: createLogger('warn'), clients: makeClients(operatorKc), escalator: false, onStatusWritten: () => { statusWrites++; }, onLostLeadership: () => { throw new Error('lost leadership during bench'); } });
    await waitUntil('operator leading with synced caches', () => op.elector.isLeader() && op.caches.fresh?.() === true, 120_000, 100);
    // Opted in, so the healthy-revision record lands before the load (else the first open Incident makes the
    // recorder write it, and that Deployment update re-enqueues every Incident mid-run).
    await waitUntil('last-known-good on the target', async () => !!(await apps.readNamespacedDeployment({ name: 'api', namespace: ns })).metadata?.annotations?.['runbook.dev/last-known-good'], 120_000, 500);
    const names = Array.from({ length: N }, (_, i) => `inc-${String(i).padStart(4, '0')}`);

    // Diagnosed as the API server delivers it: a watch from now, no polling list of 500 large objects.
    const sentAt = new Map<string, number>();
    const diagnosedAt = new Map<string, number>();
    const finalStatus = new Map<string, Seen['status']>();
    const onObject = (o: Seen) => {
      const d = o.status?.diagnosis;
      if (!d || d.generation !== (o.metadata.generation ?? 0)) return;
      if (!diagnosedAt.has(o.metadata.name)) diagnosedAt.set(o.metadata.name, performance.now());
      finalStatus.set(o.metadata.name, o.status);
    };
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the API's list metadata
    const rv = (await custom.listNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: 'incidents', limit: 1 }) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    let watchEnded = false;
    const watch = await new k8s.Watch(kc).watch(`/apis/${G}/${V}/namespaces/${ns}/incidents`, { resourceVersion: rv }, (_t, o: Seen) => onObject(o), (e) => { watchEnded = true; if (e) console.log(`[load] watch ended: ${String(e)}`); });

    operatorKc.reset();
    const writesBefore = statusWrites;
    const t0 = performance.now();
    await pool(names, C, async (name) => {
      sentAt.set(name, performance.now());
      await custom.createNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: 'incidents', body: incident(ns, name) });
    });
    const createMs = performance.now() - t0;
    let lastList = performance.now();
    await waitUntil(`${N} Incidents diagnosed`, async () => {
      if (diagnosedAt.size >= N) return true;
      if (watchEnded || performance.now() - lastList > 15_000) { // fallback only: the watch dropped or is quiet
        lastList = performance.now();
        // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the API's Incident list
        for (const o of ((await custom.listNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: 'incidents' })) as { items: Seen[] }).items) onObject(o);
      }
      return diagnosedAt.size >= N;
    }, 20 * 60_000, 20);
    const operatorMs = Math.max(...diagnosedAt.values()) - t0;
    // Events are recorded after the status write: let the last reconciles finish before reading the counts.
    await sleep(3000);
    operatorKc.freeze();
    const calls = operatorKc.snapshot();
    const writes = statusWrites - writesBefore;
    watch.abort();
    await op.stop();
    const perIncident = names.map((n) => diagnosedAt.get(n)! - sentAt.get(n)!);

    // The operator's Events per Incident (reason, message, type) for the plain script to write the same.
    const events = new Map<string, k8s.CoreV1Event[]>();
    for (const e of (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.kind=Incident' })).items) {
      const n = e.involvedObject.name!;
      events.set(n, [...(events.get(n) ?? []), e]);
    }
    const writesPer = Math.max(1, Math.round(writes / N));
    const targetReadsPer = Math.round((calls['GET deployments/{name}'] ?? 0) / N);

    // The same API calls by a plain script, same concurrency, no watch, no cache, no decisions — and the same
    // shape of load: all created first, then each one's reads, status writes (the operator's own status body)
    // and Events. Its per-Incident time is create sent → its last status write answered.
    const plainSent = new Map<string, number>();
    const plainRv = new Map<string, string | undefined>();
    const plainDone = new Map<string, number>();
    const p0 = performance.now();
    await pool(names, C, async (name) => {
      plainSent.set(name, performance.now());
      // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the created object
      plainRv.set(name, ((await custom.createNamespacedCustomObject({ group: G, version: V, namespace: plainNs, plural: 'incidents', body: incident(plainNs, name) })) as Created).metadata.resourceVersion);
    });
    await pool(names, C, async (name) => {
      for (let r = 0; r < targetReadsPer; r++) await apps.readNamespacedDeployment({ name: 'api', namespace: ns });
      const status = finalStatus.get(name) ?? { phase: 'Diagnosing' };
      let resourceVersion = plainRv.get(name);
      for (let w = 0; w < writesPer; w++) {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the written object
        resourceVersion = ((await custom.replaceNamespacedCustomObjectStatus({ group: G, version: V, namespace: plainNs, plural: 'incidents', name, body: { ...incident(plainNs, name), metadata: { name, namespace: plainNs, resourceVersion }, status } })) as Created).metadata.resourceVersion;
      }
      plainDone.set(name, performance.now() - plainSent.get(name)!);
      for (const [i, e] of (events.get(name) ?? []).entries()) {
        await core.createNamespacedEvent({ namespace: plainNs, body: {
          metadata: { name: `${name}.plain-${i}`, namespace: plainNs },
          involvedObject: { apiVersion: `${G}/${V}`, kind: 'Incident', name, namespace: plainNs },
          type: e.type, reason: e.reason, message: e.message, source: e.source, firstTimestamp: new Date(), lastTimestamp: new Date(), count: 1,
        } });
      }
    });
    const plainMs = performance.now() - p0;
    const eventsPer = [...events.values()].reduce((a, e) => a + e.length, 0) / N;
    console.log(JSON.stringify({
      incidents: N, concurrency: C, workers: C,
      createMs: Math.round(createMs),
      operatorAllDiagnosedMs: Math.round(operatorMs),
      operatorPerIncidentMs: stats(perIncident),
      plainScriptMs: Math.round(plainMs),
      plainPerIncidentMs: stats([...plainDone.values()]),
      ratio: +(operatorMs / plainMs).toFixed(2),
      plainScriptPerIncident: { creates: 1, targetReads: targetReadsPer, statusWrites: writesPer, events: +eventsPer.toFixed(2) },
      operatorApiCalls: calls,
      operatorApiCallsPerIncident: +(operatorKc.total() / N).toFixed(2),
      loadAverage: load(),
    }));
  } finally {
    for (const n of [ns, plainNs]) await core.deleteNamespace({ name: n }).catch(() => undefined);
    await kc.makeApiClient(k8s.CoordinationV1Api).deleteNamespacedLease({ name: lease, namespace: OPERATOR_NS }).catch(() => undefined);
  }
  process.exit(0);
}

void main().catch((e) => { console.error(e); process.exit(1); });
