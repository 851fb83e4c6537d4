/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port for the health-signal suites:
 * scrapes the given targets (the workload exporter) every second, evaluates the given alerting rules every
 * second and sends alerts to the given Alertmanagers. Every generated file passes `promtool check config`
 * (which checks the referenced rule files too) and `promtool check rules` before Prometheus starts.
 * `stop()` in an after hook; `kill()` simulates Prometheus being down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, mustPass, startBinary, waitReady, type BinaryProcess } from './binary-process.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

export interface PrometheusOptions {
  /** host:port of each scrape target (path /metrics). */
  targets: string[];
  /** Alerting rules (the `rules:` list of one group), as YAML text indented by two spaces per level. */
  rules?: string;
  /** host:port of each Alertmanager. */
  alertmanagers?: string[];
  scrapeIntervalSeconds?: number;
  evaluationIntervalSeconds?: number;
}

export interface PrometheusHarness {
  url: string;
  port: number;
  dir: string;
  /** Files that went through promtool. */
  checked: string[];
  /** An instant query's first value (undefined: no data). */
  value(query: string): Promise<number | undefined>;
  /** Alerts Prometheus holds (pending/firing). */
  alerts(): Promise<{ labels: Record<string, string>; state: string }[]>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'signals-prometheus-'));
  const scrape = opts.scrapeIntervalSeconds ?? 1;
  const evaluation = opts.evaluationIntervalSeconds ?? 1;
  const rulesFile = join(dir, 'rules.yml');
  const configFile = join(dir, 'prometheus.yml');
  const checked: string[] = [];
  if (opts.rules) {
    writeFileSync(rulesFile, `groups:\n- name: signals\n  interval: ${evaluation}s\n  rules:\n${opts.rules}`);
    mustPass(PROMTOOL_BIN, ['check', 'rules', rulesFile]);
    checked.push(rulesFile);
  }
  const config = [
    'global:',
    `  scrape_interval: ${scrape}s`,
    `  scrape_timeout: ${scrape}s`,
    `  evaluation_interval: ${evaluation}s`,
    ...(opts.rules ? ['rule_files:', `- ${JSON.stringify(rulesFile)}`] : []),
    ...(opts.alertmanagers?.length ? ['alerting:', '  alertmanagers:', '  - static_configs:', `    - targets: ${JSON.stringify(opts.alertmanagers)}`] : []),
    'scrape_configs:',
    '- job_name: workload',
    '  metrics_path: /metrics',
    '  static_configs:',
    `  - targets: ${JSON.stringify(opts.targets)}`,
    '',
  ].join('\n');
  writeFileSync(configFile, config);
  mustPass(PROMTOOL_BIN, ['check', 'config', configFile]);
  checked.push(configFile);

  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const proc: BinaryProcess = startBinary(PROMETHEUS_BIN, [
    `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn', '--storage.tsdb.retention.time=1h',
  ]);
  try {
    await waitReady(`${url}/-/ready`, proc, 'prometheus');
  } catch (e) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // The scrape manager applies targets up to 5 s after start: wait for every target's first scrape.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: 'count(up == 1)' })}`).then((x) => x.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>).catch(() => undefined);
    if (Number(r?.data?.result?.[0]?.value?.[1] ?? 0) >= opts.targets.length) break;
    if (Date.now() > deadline) { await proc.stop(); throw new Error(`prometheus scraped none of ${opts.targets.join(', ')} in 30 s: ${proc.output().slice(-1000)}`); }
    await new Promise((r2) => setTimeout(r2, 200));
  }
  return {
    url, port, dir, checked,
    async value(query) {
      const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
      const body = await r.json() as { data?: { result?: { value: [number, string] }[] } };
      const v = body.data?.result?.[0]?.value?.[1];
      return v === undefined ? undefined : Number(v);
    },
    async alerts() {
      const r = await fetch(`${url}/api/v1/alerts`);
      const body = await r.json() as { data?: { alerts?: { labels: Record<string, string>; state: string }[] } };
      return body.data?.alerts ?? [];
    },
    kill: () => proc.kill(),
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
