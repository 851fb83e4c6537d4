/**
 * npm run bench:load — 500 Incidents created at once (issue 17, "Load"): the time until every one is
 * diagnosed (status.diagnosis written for its generation), and the same API calls made by a plain
 * script (create, then the status writes the operator made per Incident, same concurrency) for the ratio.
 *
 * Env: LOAD_INCIDENTS=500, LOAD_CONCURRENCY=16.
 */
import * as k8s from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { ensureCluster } from '../test/harness/cluster.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { makeClients } from '../src/kube/clients.js';
import { startOperator } from '../src/operator.js';

const N = Number(process.env.LOAD_INCIDENTS ?? 500);
const C = Number(process.env.LOAD_CONCURRENCY ?? 16);
const G = 'runbook.dev';
const V = 'v1alpha1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++]!); }));
}

const incident = (ns: string, name: string) => ({
  apiVersion: `${G}/${V}`, kind: 'Incident', metadata: { name, namespace: ns },
  spec: { severity: 'P3', summary: 'load test', runbook: 'CrashLoop', target: { kind: 'Deployment', name: 'api' } },
});

type Listed = { items: { metadata: { name: string; generation?: number }; status?: { diagnosis?: { generation?: number }; timelineTotal?: number } }[] };

async function main(): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(ensureCluster().kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = `load-${Date.now().toString(36)}`;
  const plainNs = `${ns}-plain`;
  for (const n of [ns, plainNs]) await core.createNamespace({ body: { metadata: { name: n } } });
  await apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'api' }, spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'load.test/api:1' }] } } } } });
  const config = loadConfig({ ...process.env, WATCH_NAMESPACES: ns, LEASE_NAME: `bench-${ns}`, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', WORKERS: String(C), MONITOR_WINDOW_SECONDS: '600' });
  let statusWrites = 0;
  const op = await startOperator({ config, log: createLogger('warn'), clients: makeClients(kc), escalator: false, onStatusWritten: () => { statusWrites++; }, onLostLeadership: () => { throw new Error('lost leadership during bench'); } });
  while (!op.elector.isLeader()) await sleep(200);
  const names = Array.from({ length: N }, (_, i) => `inc-${String(i).padStart(4, '0')}`);

  const t0 = performance.now();
  await pool(names, C, async (name) => { await custom.createNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: 'incidents', body: incident(ns, name) }); });
  const created = performance.now() - t0;
  for (;;) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the API's Incident list
    const list = (await custom.listNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: 'incidents' })) as Listed;
    const done = list.items.filter((i) => i.status?.diagnosis && i.status.diagnosis.generation === (i.metadata.generation ?? 0));
    if (done.length >= N) break;
    await sleep(250);
  }
  const operatorMs = performance.now() - t0;
  const writesUntilDiagnosed = statusWrites;
  await op.stop();
  const statusWritesPerIncident = Math.max(1, Math.round(writesUntilDiagnosed / N));

  // The same API calls by a plain script: create each, then write its status as many times as the operator did.
  const p0 = performance.now();
  await pool(names, C, async (name) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the created object
    let obj = (await custom.createNamespacedCustomObject({ group: G, version: V, namespace: plainNs, plural: 'incidents', body: incident(plainNs, name) })) as { metadata: { resourceVersion?: string } };
    for (let w = 0; w < statusWritesPerIncident; w++) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the written object
      obj = (await custom.replaceNamespacedCustomObjectStatus({ group: G, version: V, namespace: plainNs, plural: 'incidents', name, body: { ...incident(plainNs, name), metadata: { name, namespace: plainNs, resourceVersion: obj.metadata.resourceVersion }, status: { phase: 'Monitoring', phaseReason: `write-${w}` } } })) as { metadata: { resourceVersion?: string } };
    }
  });
  const plainMs = performance.now() - p0;
  console.log(JSON.stringify({ incidents: N, concurrency: C, createMs: Math.round(created), operatorAllDiagnosedMs: Math.round(operatorMs), operatorStatusWrites: writesUntilDiagnosed, plainScriptMs: Math.round(plainMs), statusWritesPerIncidentInPlainScript: statusWritesPerIncident, ratio: +(operatorMs / plainMs).toFixed(2) }));
  for (const n of [ns, plainNs]) await core.deleteNamespace({ name: n }).catch(() => undefined);
  process.exit(0);
}

void main().catch((e) => { console.error(e); process.exit(1); });
