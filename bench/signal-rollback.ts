/**
 * npm run bench:signals — metric-triggered rollback latency on the local control plane with the real Prometheus.
 *
 * For each of BENCH_RELEASES opted-in Deployments (default 20, a few at a time): revision 1 is good (and recorded
 * last known good), then revision 2 is a bad release that serves 5xx with Ready pods. Measured per release:
 *   T0: the first scrape of the workload exporter by Prometheus that served the bad release's traffic, and
 *   T1: the Deployment watch event that carries the operator's rollback patch (annotation runbook.dev/rolled-back-by),
 * so T1 − T0 is scrape → rate window → signal evaluation × N → Incident → diagnosis → intent → rollback patch.
 * Prints p50/p90/p99/max. The operator runs as a child process (src/main.ts) with the given signal settings.
 *
 * Env: BENCH_RELEASES=20, BENCH_PARALLEL=5, BENCH_SIGNAL_INTERVAL_MS=1000, BENCH_CONSECUTIVE_BREACHES=2.
 */
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteNamespace, ensureCluster } from '../test/harness/cluster.js';
import { startOperatorProcess, stopOperators } from '../test/harness/operator-process.js';
import { startPrometheus } from '../test/harness/prometheus.js';
import { applyDeployment } from '../test/harness/rollout.js';
import { signalsAnnotation } from '../test/harness/signal-fixtures.js';
import { startWorkloadExporter } from '../test/harness/workload-exporter.js';
import { errorMessage } from '../src/decide/errors.js';

const releases = Number(process.env.BENCH_RELEASES ?? 20);
const parallel = Number(process.env.BENCH_PARALLEL ?? 5);
const intervalMs = Number(process.env.BENCH_SIGNAL_INTERVAL_MS ?? 1000);
const breaches = Number(process.env.BENCH_CONSECUTIVE_BREACHES ?? 2);
const GOOD = 'example.test/api:1.0.0';
const BAD = 'example.test/api:2.0.0';
const ROLLED_BACK_BY = 'runbook.dev/rolled-back-by';
const LAST_KNOWN_GOOD = 'runbook.dev/last-known-good';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function main(): Promise<void> {
  const cluster = ensureCluster();
  const ns = await createTestNamespace('bench-signals');
  const exporter = await startWorkloadExporter();
  const prom = await startPrometheus({ targets: [exporter.address] });
  const op = startOperatorProcess({
    namespaces: [ns],
    env: {
      PROMETHEUS_URL: prom.url, SIGNAL_INTERVAL_MS: String(intervalMs), SIGNAL_CONSECUTIVE_BREACHES: String(breaches),
      HEALTHY_STABLE_WINDOW_SECONDS: '1', MONITOR_WINDOW_SECONDS: '2', ROLLBACK_RATE_LIMIT_MAX: '100', ROLLBACK_BUDGET_MAX: '1000', LOG_LEVEL: 'info',
    },
  });
  // One watch for every Deployment: keeps the exporter's live image in step, records the rollback patch's arrival.
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const state = new Map<string, { image?: string; lkg: boolean; rolledBackAt?: number }>();
  const isDeployment = (o: unknown): o is k8s.V1Deployment => typeof o === 'object' && o !== null && 'metadata' in o && 'spec' in o;
  const watch = await new k8s.Watch(kc).watch(`/apis/apps/v1/namespaces/${ns}/deployments`, {}, (_type: string, d: unknown) => {
    const at = Date.now();
    if (!isDeployment(d)) return;
    const name = d.metadata?.name ?? '';
    const s = state.get(name) ?? { lkg: false };
    state.set(name, s);
    const image = d.spec?.template?.spec?.containers?.[0]?.image;
    if (image && image !== s.image) { s.image = image; void exporter.setCurrent(ns, name, image); }
    if (d.metadata?.annotations?.[LAST_KNOWN_GOOD]) s.lkg = true;
    if (d.metadata?.annotations?.[ROLLED_BACK_BY] && s.rolledBackAt === undefined) s.rolledBackAt = at;
  }, (err: unknown) => { if (err) console.error('watch ended', errorMessage(err)); });

  const latencies: number[] = [];
  const failures: string[] = [];
  try {
    await op.waitForLog(/leading: workers started/, 60_000);
    const names = Array.from({ length: releases }, (_, i) => `svc-${i}`);
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        try {
          await exporter.setModes(ns, name, { [GOOD]: 'good', [BAD]: 'bad' });
          const annotations = signalsAnnotation(ns, name);
          await applyDeployment({ name, namespace: ns, image: GOOD, replicas: 1, labels: { 'runbook.dev/auto-rollback': 'enabled' }, annotations });
          for (let t = 0; !state.get(name)?.lkg; t++) { if (t > 600) throw new Error('no last known good'); await sleep(100); }
          const switchedAt = Date.now();
          await applyDeployment({ name, namespace: ns, image: BAD, replicas: 1, labels: { 'runbook.dev/auto-rollback': 'enabled' }, annotations });
          for (let t = 0; state.get(name)?.rolledBackAt === undefined; t++) { if (t > 900) throw new Error('no rollback'); await sleep(100); }
          const t0 = exporter.firstBadScrapeAfter(ns, name, switchedAt);
          if (t0 === undefined) throw new Error('no bad scrape recorded');
          latencies.push(state.get(name)!.rolledBackAt! - t0);
        } catch (e) {
          failures.push(`${name}: ${errorMessage(e)}`);
        }
      }
    }));
  } finally {
    watch.abort();
    await stopOperators([op], failures.length > 0, 40);
    await prom.stop();
    await exporter.stop();
    await deleteNamespace(ns);
  }
  console.log(`signal rollback: ${latencies.length}/${releases} bad releases rolled back (interval ${intervalMs} ms, ${breaches} consecutive breaches, 1 s scrapes, 3 s rate window)`);
  if (latencies.length > 0) {
    console.log(`first breaching scrape → rollback patch: p50 ${pct(latencies, 50)} ms, p90 ${pct(latencies, 90)} ms, p99 ${pct(latencies, 99)} ms, max ${Math.max(...latencies)} ms`);
  }
  for (const f of failures) console.log(`FAILED ${f}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

await main();
