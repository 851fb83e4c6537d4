/**
 * Simulated container logs through kwok's ClusterLogs: every pod in a namespace serves `lines` for
 * `kubectl logs` and `previousLines` for `kubectl logs --previous` (CRI log format files).
 */
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyYaml } from './cluster.js';

function criLines(lines: string[], start = Date.parse('2026-11-27T03:00:00Z')): string {
  return lines.map((l, i) => `${new Date(start + i * 1000).toISOString()} stdout F ${l}`).join('\n') + '\n';
}

export async function simulateNamespaceLogs(namespace: string, lines: string[], previousLines: string[] = lines): Promise<{ dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `incop-logs-${namespace}-`));
  chmodSync(dir, 0o755);
  const current = join(dir, 'current.log');
  const previous = join(dir, 'previous.log');
  writeFileSync(current, criLines(lines));
  writeFileSync(previous, criLines(previousLines));
  await applyYaml(`apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: logs-${namespace}
spec:
  selector:
    matchNamespaces: [${JSON.stringify(namespace)}]
  logs:
  - containers: []
    logsFile: ${JSON.stringify(current)}
    previousLogsFile: ${JSON.stringify(previous)}
    follow: false
`);
  return { dir };
}
