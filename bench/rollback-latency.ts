/**
 * npm run bench — automatic crash-loop rollback latency and operator memory, on the local control plane.
 *
 * For each scale (opted-in Deployments × replicas on kwok nodes): the operator runs in this process
 * (so its heap can be measured); a separate watch in this process records
 *   T0: the first pod status of the new revision that crosses the crash-loop threshold, as delivered by
 *       the API server's watch, and
 *   T1: the Deployment update that carries the operator's rollback (annotation runbook.dev/rolled-back-by),
 * both through the same watch path, so T1 − T0 is the API-server-to-API-server latency of detect →
 * incident → diagnose → intent → rollback patch. Prints p50/p90/p99/max and heap/RSS per cached pod.
 *
 * Then the same rollouts against a raw reactor (rawReactor below: one patch, no Incident) for the floor,
 * and the operator's p50/p99 as ratios to it — same namespace, same pods, same cluster, after the operator
 * stopped. Cold start twice: the operator as its own process (src/main.ts; process start → its log line
 * "leading: workers started", which comes after every informer synced), and in this process (start →
 * informers listed and synced, and → leading). Afterwards the namespace is deleted and the simulated
 * nodes the bench added are removed (BENCH_KEEP=1 keeps both).
 *
 * Env: BENCH_SCALES="100,1000" (Deployments), BENCH_REPLICAS=10, BENCH_ROLLOUTS=50; BENCH_KEEP=1, BENCH_NAMESPACE
 * and BENCH_TARGET_OFFSET to measure a kept namespace again (e.g. with ROLLBACK_FAST_PATH=false).
 */
import * as k8s from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { ensureCluster, ensureNodeCapacity } from '../test/harness/cluster.js';
import { startOperatorProcess } from '../test/harness/operator-process.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { makeClients } from '../src/kube/clients.js';
import { startOperator } from '../src/operator.js';
import { isCrashLooping } from '../src/decide/pod-health.js';
import { mergePatch } from '../src/kube/clients.js';

const scales = (process.env.BENCH_SCALES ?? '100,1000').split(',').map(Number);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const rollouts = Number(process.env.BENCH_ROLLOUTS ?? 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keep = process.env.BENCH_KEEP === '1';
const load = () => loadavg().map((x) => +x.toFixed(2));
const gc = () => { (globalThis as { gc?: () => void }).gc?.(); };

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++]!); }));
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function deployment(ns: string, name: string, image: string, crash: boolean): k8s.V1Deployment {
  return {
    metadata: { name, namespace: ns, labels: { app: name, 'runbook.dev/auto-rollback': 'enabled' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: name, ...(crash ? { 'chaos.runbook.dev/crashloop': 'true' } : {}) } },
        spec: { containers: [{ name: 'app', image }], tolerations: [{ key: BENCH_TAINT, operator: 'Exists', effect: 'NoSchedule' }], nodeSelector: { [BENCH_TAINT]: 'true' } },
      },
    },
  };
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number, intervalMs = 1000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(intervalMs);
  }
}

function stats(xs: number[]): { n: number; p50: number; p90: number; p99: number; max: number; min: number } | null {
  return xs.length ? { n: xs.length, p50: pct(xs, 50), p90: pct(xs, 90), p99: pct(xs, 99), max: Math.max(...xs), min: Math.min(...xs) } : null;
}

/** The list's resourceVersion, so a watch starts from now (no synthetic ADDED burst of every existing object). */
async function podsResourceVersion(core: k8s.CoreV1Api, ns: string): Promise<string | undefined> {
  return (await core.listNamespacedPod({ namespace: ns, limit: 1 })).metadata?.resourceVersion;
}

/** Cold start of the real entry point (src/main.ts under tsx) as its own process, against the same pods. */
async function processColdStart(ns: string): Promise<{ toLeadingSynced: number; toConnected: number } | null> {
  const spawnedAt = Date.now();
  const proc = startOperatorProcess({ namespaces: [ns], leaseName: `bench-cold-${ns}`.slice(0, 63), env: { LOG_LEVEL: 'info', WORKERS: '8' } });
  const at = (line: Record<string, unknown>) => (typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : NaN) - spawnedAt;
  try {
    const leading = at(await proc.waitForLog(/leading: workers started/, 5 * 60_000));
    // Node + tsx loading the modules, up to the first API answer (main.ts logs it before starting the operator).
    const connected = at(await proc.waitForLog(/connected to Kubernetes/, 5_000));
    return Number.isFinite(leading) && Number.isFinite(connected) ? { toLeadingSynced: leading, toConnected: connected } : null;
  } catch (e) {
    console.log(`[bench] process cold start: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  } finally {
    await proc.kill('SIGTERM');
  }
}

async function runScale(kc: k8s.KubeConfig, n: number): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  // BENCH_NAMESPACE: measure again on a namespace an earlier run kept (BENCH_KEEP=1), without re-creating its pods.
  const ns = process.env.BENCH_NAMESPACE || `bench-${n}-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } }).catch((e: unknown) => { if (!process.env.BENCH_NAMESPACE) throw e; });
  try {
    await measureScale(kc, core, apps, ns, n);
  } finally {
    if (!keep) await cleanUp(core, ns);
  }
}

async function measureScale(kc: k8s.KubeConfig, core: k8s.CoreV1Api, apps: k8s.AppsV1Api, ns: string, n: number): Promise<void> {
  // Capacity beyond the shared nodes' (their pods do not count: the bench's pods select the added nodes).
  const shared = (await core.listNode()).items.filter((x) => !x.spec?.taints?.some((t) => t.key === BENCH_TAINT)).reduce((a, x) => a + Number(x.status?.allocatable?.pods ?? 0), 0);
  const nodes = ensureNodeCapacity(n * replicas * 1.3 + 100 + shared);
  // The added nodes are the bench's alone: tainted (only the bench's pods tolerate it) and labelled (the
  // bench's pods select it), so the bench never fills the shared nodes other engineers' test pods need, and
  // removing the added nodes afterwards never touches their pods.
  for (const name of await addedNodes(core)) {
    await core.patchNode({ name, body: { metadata: { labels: { [BENCH_TAINT]: 'true' } }, spec: { taints: [{ key: BENCH_TAINT, value: 'true', effect: 'NoSchedule' }] } } }, mergePatch());
  }
  console.log(`[bench] ${nodes} simulated nodes; load average ${load().join(' ')}`);
  const names = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  const tCreate = Date.now();
  const existing = new Set((await apps.listNamespacedDeployment({ namespace: ns })).items.map((d) => d.metadata!.name!));
  await pool(names.filter((x) => !existing.has(x)), 16, async (name) => { await apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, name, 'bench.test/app:1', false) }); });
  // Deployment status, not a list of every pod each second (10k pods are megabytes per list).
  await waitUntil(`${n * replicas} pods available`, async () => {
    const ds = await apps.listNamespacedDeployment({ namespace: ns });
    return ds.items.length === n && ds.items.reduce((a, d) => a + (d.status?.availableReplicas ?? 0), 0) >= n * replicas;
  }, 20 * 60_000, 3000);
  console.log(`[bench] ${n} Deployments × ${replicas} replicas running in ${((Date.now() - tCreate) / 1000).toFixed(0)} s`);

  const coldStartProcessMs = await processColdStart(ns);
  console.log(`[bench] process cold start ${JSON.stringify(coldStartProcessMs)} ms`);

  gc(); await sleep(200); gc();
  const before = process.memoryUsage();
  const log = createLogger('warn');
  const config = loadConfig({ ...process.env, WATCH_NAMESPACES: ns, LEASE_NAME: `bench-${ns}`.slice(0, 63), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', HEALTHY_STABLE_WINDOW_SECONDS: '1', MONITOR_WINDOW_SECONDS: '5', WORKERS: '8',
    // One bad release after another, each on its own Deployment: the cluster-wide blast-radius budget (5 per 60 s) is lifted.
    ROLLBACK_RATE_LIMIT_MAX: '100', ROLLBACK_BUDGET_MAX: '1000',
    // A loaded shared machine stalls this process for seconds while 10k pods are listed: the 15 s Lease was lost at 10k.
    LEASE_DURATION_MS: '120000', LEASE_RENEW_DEADLINE_MS: '90000', LEASE_RETRY_PERIOD_MS: '2000' });
  const tStart = performance.now();
  const op = await startOperator({ config, log, clients: makeClients(kc), escalator: false, onLostLeadership: () => { throw new Error('lost leadership during bench'); } });
  let listSyncMs: number | undefined;
  let leadingMs: number | undefined;
  await waitUntil('operator leading with synced caches', () => {
    const at = Math.round(performance.now() - tStart);
    if (listSyncMs === undefined && op.caches.fresh?.() === true) listSyncMs = at;
    if (leadingMs === undefined && op.elector.isLeader()) leadingMs = at;
    return Promise.resolve(listSyncMs !== undefined && leadingMs !== undefined);
  }, 5 * 60_000, 10);
  const coldStartMs = Math.max(listSyncMs!, leadingMs!);
  // BENCH_TARGET_OFFSET: a run on a kept namespace takes Deployments no earlier run released (the fast path rolls back once per bad template).
  const offset = Number(process.env.BENCH_TARGET_OFFSET ?? 0);
  const targets = names.slice(offset, Math.min(offset + rollouts, n));
  await waitUntil('last-known-good recorded', async () => {
    const ds = await apps.listNamespacedDeployment({ namespace: ns });
    const ok = new Set(ds.items.filter((d) => d.metadata?.annotations?.['runbook.dev/last-known-good']).map((d) => d.metadata!.name!));
    return targets.every((t) => ok.has(t));
  }, 10 * 60_000);
  gc(); await sleep(500); gc();
  const after = process.memoryUsage();
  const cachedPods = op.caches.pods.list().length;

  // The measuring watch (independent of the operator's informers).
  const t0 = new Map<string, number>();
  const t1 = new Map<string, number>();
  const watch = new k8s.Watch(kc);
  const podWatch = await watch.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: await podsResourceVersion(core, ns) }, (_type, pod: k8s.V1Pod) => {
    const app = pod.metadata?.labels?.app;
    if (!app || t0.has(app) || pod.metadata?.labels?.['chaos.runbook.dev/crashloop'] !== 'true') return;
    if (isCrashLooping(pod, config.crashLoopRestartThreshold)) t0.set(app, Date.now());
  }, () => undefined);
  const depWatch = await watch.watch(`/apis/apps/v1/namespaces/${ns}/deployments`, {}, (_type, d: k8s.V1Deployment) => {
    const name = d.metadata?.name;
    if (name && !t1.has(name) && d.metadata?.annotations?.['runbook.dev/rolled-back-by']) t1.set(name, Date.now());
  }, () => undefined);

  const latencies: number[] = [];
  for (const name of targets) {
    await apps.patchNamespacedDeployment({ name, namespace: ns, body: { spec: { template: { metadata: { labels: { 'chaos.runbook.dev/crashloop': 'true' } }, spec: { containers: [{ name: 'app', image: 'bench.test/app:2' }] } } } } }, mergePatch());
    try {
      await waitUntil(`rollback of ${name}`, () => Promise.resolve(t1.has(name)), 60_000);
    } catch (e) {
      console.log(`[bench] ${name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (t0.has(name)) latencies.push(t1.get(name)! - t0.get(name)!);
    // Let the bad pods go before the next rollout (else the namespace looks like a shared cause).
    await waitUntil(`${name} healthy`, async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name},chaos.runbook.dev/crashloop=true` });
      return pods.items.length === 0;
    }, 120_000);
  }
  await op.stop();
  const raw = await rawReactor(kc, ns, targets, t0, config.crashLoopRestartThreshold);
  podWatch.abort(); depWatch.abort();
  const op50 = latencies.length ? pct(latencies, 50) : undefined;
  const op99 = latencies.length ? pct(latencies, 99) : undefined;
  const raw50 = raw.length ? pct(raw, 50) : undefined;
  const raw99 = raw.length ? pct(raw, 99) : undefined;
  const heapPerPod = (after.heapUsed - before.heapUsed) / Math.max(1, cachedPods);
  const rssPerPod = (after.rss - before.rss) / Math.max(1, cachedPods);
  console.log(JSON.stringify({
    scale: { deployments: n, replicas, cachedPods },
    fastPath: config.rollbackFastPath,
    rollouts: targets.length,
    rollbacks: latencies.length,
    latencyMs: stats(latencies),
    rawReactorMs: stats(raw),
    ratioToRawReactor: op50 !== undefined && raw50 !== undefined ? { p50: +(op50 / Math.max(1, raw50)).toFixed(2), p99: +(op99! / Math.max(1, raw99!)).toFixed(2) } : null,
    coldStartMs: { process: coldStartProcessMs, inProcess: coldStartMs, listSync: listSyncMs, leading: leadingMs },
    loadAverage: load(),
    memory: { heapUsedMB: +(after.heapUsed / 2 ** 20).toFixed(1), rssMB: +(after.rss / 2 ** 20).toFixed(1), heapPerCachedPodKB: +(heapPerPod / 1024).toFixed(2), rssPerCachedPodKB: +(rssPerPod / 1024).toFixed(2) },
  }));
}

/** The namespace (and its pods) first, then the simulated nodes the bench added, then the bench's Leases. */
async function cleanUp(core: k8s.CoreV1Api, ns: string): Promise<void> {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  await waitUntil(`namespace ${ns} deleted`, async () => {
    try { await core.readNamespace({ name: ns }); return false; } catch { return true; }
  }, 15 * 60_000, 3000).catch((e: unknown) => console.log(`[bench] ${e instanceof Error ? e.message : String(e)}`));
  // Only nodes no pod is bound to any more (another engineer's pod that landed before the taint keeps its node).
  let left: string[] = [];
  await waitUntil('added nodes empty', async () => {
    const bound = new Set((await core.listPodForAllNamespaces()).items.map((p) => p.spec?.nodeName));
    left = [];
    for (const name of await addedNodes(core)) {
      if (bound.has(name)) left.push(name);
      else await core.deleteNode({ name }).catch(() => undefined);
    }
    return left.length === 0;
  }, 3 * 60_000, 5000).catch(() => undefined);
  console.log(`[bench] added nodes removed${left.length ? `; still hosting other pods (kept, tainted): ${left.join(', ')}` : ''}`);
  for (const lease of [`bench-${ns}`.slice(0, 63), `bench-cold-${ns}`.slice(0, 63)]) {
    await benchKubeConfig().makeApiClient(k8s.CoordinationV1Api).deleteNamespacedLease({ name: lease, namespace: 'incident-operator-system' }).catch(() => undefined);
  }
}

/**
 * The physical floor, measured in the same run: a minimal watcher that patches the Deployment back the
 * moment a crash-looping pod of the bad revision arrives — one round trip, no Incident, no diagnosis, no
 * guards. Its latency (same T0/T1 definition: pod watch → Deployment watch) is what the operator is
 * compared against.
 */
async function rawReactor(kc: k8s.KubeConfig, ns: string, targets: string[], t0: Map<string, number>, threshold: number): Promise<number[]> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const watch = new k8s.Watch(kc);
  const reacted = new Set<string>();
  const timedOut: string[] = [];
  const t1 = new Map<string, number>();
  const reactorStart = new Map<string, number>();
  const podWatch = await watch.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: await podsResourceVersion(core, ns) }, (_type, pod: k8s.V1Pod) => {
    const app = pod.metadata?.labels?.app;
    if (!app || reacted.has(app) || pod.metadata?.labels?.['chaos.runbook.dev/crashloop'] !== 'true' || !isCrashLooping(pod, threshold)) return;
    reacted.add(app);
    reactorStart.set(app, Date.now());
    void apps.patchNamespacedDeployment({ name: app, namespace: ns, body: { metadata: { annotations: { 'bench.runbook.dev/raw-reacted': 'true' } }, spec: { template: { metadata: { labels: { 'chaos.runbook.dev/crashloop': null } }, spec: { containers: [{ name: 'app', image: 'bench.test/app:1' }] } } } } }, mergePatch()).catch(() => undefined);
  }, () => undefined);
  const depWatch = await watch.watch(`/apis/apps/v1/namespaces/${ns}/deployments`, {}, (_type, d: k8s.V1Deployment) => {
    const name = d.metadata?.name;
    if (name && reacted.has(name) && !t1.has(name) && d.metadata?.annotations?.['bench.runbook.dev/raw-reacted']) t1.set(name, Date.now());
  }, () => undefined);
  const out: number[] = [];
  for (const name of targets) {
    t0.delete(name);
    await apps.patchNamespacedDeployment({ name, namespace: ns, body: { metadata: { annotations: { 'bench.runbook.dev/raw-reacted': null } }, spec: { template: { metadata: { labels: { 'chaos.runbook.dev/crashloop': 'true' } }, spec: { containers: [{ name: 'app', image: 'bench.test/app:3' }] } } } } }, mergePatch());
    try {
      await waitUntil(`raw reaction for ${name}`, () => Promise.resolve(t1.has(name)), 60_000);
    } catch { timedOut.push(name); continue; }
    const start = t0.get(name) ?? reactorStart.get(name);
    if (start !== undefined) out.push(t1.get(name)! - start);
    await waitUntil(`${name} healthy`, async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name},chaos.runbook.dev/crashloop=true` })).items.length === 0, 120_000);
  }
  podWatch.abort(); depWatch.abort();
  if (timedOut.length) console.log(`[bench] raw reactor: no reaction within 60 s for ${timedOut.join(', ')}`);
  return out;
}

let nodesBefore: Set<string> | undefined;
const BENCH_TAINT = 'bench.runbook.dev/rollback-latency';
async function addedNodes(core: k8s.CoreV1Api): Promise<string[]> {
  // Nodes added since the start, and any left tainted by an earlier run.
  return (await core.listNode()).items
    .filter((x) => (nodesBefore !== undefined && !nodesBefore.has(x.metadata!.name!)) || x.spec?.taints?.some((t) => t.key === BENCH_TAINT))
    .map((x) => x.metadata!.name!);
}
let kubeConfig: k8s.KubeConfig | undefined;
const benchKubeConfig = () => kubeConfig!;

async function main(): Promise<void> {
  const h = ensureCluster();
  kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(h.kubeconfig);
  nodesBefore = new Set((await kubeConfig.makeApiClient(k8s.CoreV1Api).listNode()).items.map((x) => x.metadata!.name!));
  console.log(`[bench] ${new Date().toISOString()} load average ${load().join(' ')}; ${nodesBefore.size} nodes before`);
  for (const n of scales) await runScale(kubeConfig, n);
  process.exit(0);
}

void main().catch((e) => { console.error(e); process.exit(1); });
