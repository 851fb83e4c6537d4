/**
 * A real Alertmanager (Debian's /usr/bin/prometheus-alertmanager) on a free loopback port, clustering off,
 * routing every alert to one webhook (the operator's intake, `POST /alertmanager`) with a bearer token read
 * from a file, resolved alerts included, short group timings. The generated configuration passes
 * `amtool check-config` before Alertmanager starts. `stop()` in an after hook.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, mustPass, startBinary, waitReady } from './binary-process.js';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
export const AMTOOL_BIN = '/usr/bin/amtool';

export interface AlertmanagerHarness {
  url: string;
  /** host:port, for Prometheus's alerting config. */
  address: string;
  configFile: string;
  /** Alerts Alertmanager holds, with their state. */
  alerts(): Promise<{ labels: Record<string, string>; status: { state: string } }[]>;
  stop(): Promise<void>;
}

export async function startAlertmanager(opts: { webhookUrl: string; tokenFile: string }): Promise<AlertmanagerHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'signals-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, [
    'route:',
    '  receiver: incident-operator',
    '  group_by: [alertname, namespace, deployment]',
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '- name: incident-operator',
    '  webhook_configs:',
    `  - url: ${JSON.stringify(opts.webhookUrl)}`,
    '    send_resolved: true',
    '    http_config:',
    '      authorization:',
    '        type: Bearer',
    `        credentials_file: ${JSON.stringify(opts.tokenFile)}`,
    '',
  ].join('\n'));
  mustPass(AMTOOL_BIN, ['check-config', configFile]);
  const port = await freeLoopbackPort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const proc = startBinary(ALERTMANAGER_BIN, [
    `--config.file=${configFile}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=${address}`,
    '--cluster.listen-address=', '--log.level=warn',
  ]);
  try {
    await waitReady(`${url}/-/ready`, proc, 'alertmanager');
  } catch (e) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url, address, configFile,
    async alerts() {
      const r = await fetch(`${url}/api/v2/alerts`);
      return await r.json() as { labels: Record<string, string>; status: { state: string } }[];
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
