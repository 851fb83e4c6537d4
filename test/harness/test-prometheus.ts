/**
 * A real Prometheus (Debian's `prometheus` binary) on a free loopback port with an empty configuration, to check
 * that expressions parse: GET /api/v1/query answers 400 `bad_data` for a PromQL parse error. Also the metric
 * names the operator exports (its registry), to check that queries name only those.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerIncidentLogMetrics } from '../../src/incident-log/metrics.js';
import { OperatorMetrics } from '../../src/server/metrics.js';

/** The path of a binary on PATH, or undefined. */
export function which(binary: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestPrometheus {
  url: string;
  /** The query API's answer to one expression: status and, on failure, the error type and message. */
  query(expr: string): Promise<{ status: string; errorType?: string; error?: string }>;
  stop(): Promise<void>;
}

/** Starts Prometheus; resolves once /-/ready answers 200 (at most 30 s). */
export async function startTestPrometheus(binary = 'prometheus'): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'test-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { output += b.toString(); });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) { await stop(); throw new Error(`prometheus exited (${child.exitCode}): ${output.slice(-2000)}`); }
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`prometheus not ready in 30 s: ${output.slice(-2000)}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      return await r.json() as { status: string; errorType?: string; error?: string };
    },
    stop,
  };
}

/**
 * Every series name the operator's registry can expose: each family, and for histograms its _bucket, _sum and
 * _count series (the incident log's metrics included).
 */
export async function exportedSeriesNames(): Promise<Set<string>> {
  const m = new OperatorMetrics();
  registerIncidentLogMetrics(m.registry, () => ({ written: 0, entriesWritten: 0, failures: 0, pending: 0, dropped: 0, rejected: 0, lostEntries: 0 }), () => 0);
  const names = new Set<string>();
  for (const f of await m.registry.getMetricsAsJSON()) {
    names.add(f.name);
    if (String(f.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(f.name + s);
    if (String(f.type) === 'summary') for (const s of ['_sum', '_count']) names.add(f.name + s);
  }
  return names;
}

/** Grafana's range variables replaced by durations, so an expression can go to Prometheus as is. */
export function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$__interval', '1m');
}
