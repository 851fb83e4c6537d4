/**
 * The README's main-job command (`npm start` → scripts/run-operator.sh) with no cluster configured: it
 * reuses/brings up the local control plane, installs CRDs and RBAC, and runs the operator under its own
 * ServiceAccount token — which then reconciles an Incident.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyYaml, createTestNamespace, deleteNamespace, getJson, repoRoot, waitFor } from '../../harness/cluster.js';

describe('main job: npm start without a configured cluster', function () {
  let ns: string;
  before(async () => { ns = await createTestNamespace('main-job'); });
  after(async () => { await deleteNamespace(ns); });

  it('runs the operator as its ServiceAccount and reconciles an Incident; SIGTERM stops it cleanly', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'incop-home-')), HTTP_PORT: '0', WATCH_NAMESPACES: ns, LEASE_NAME: `main-job-${ns}`, MONITOR_WINDOW_SECONDS: '1' };
    delete env.KUBECONFIG;
    delete env.KUBERNETES_SERVICE_HOST;
    const proc = spawn('bash', [join(repoRoot, 'scripts/run-operator.sh')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    proc.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      await waitFor('operator leading', () => out.includes('leading: workers started'), 120_000, 250);
      expect(out).to.include('operator runs as ServiceAccount incident-operator-system/incident-operator');
      const connected = out.split('\n').find((l) => l.includes('connected to Kubernetes'));
      expect(connected).to.include('v1.36.1');
      await applyYaml(JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'example.test/web:1' }] } } } }));
      await applyYaml(JSON.stringify({ apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'smoke', namespace: ns }, spec: { severity: 'P3', summary: 'main job smoke', runbook: 'CrashLoop', target: { name: 'web' } } }));
      // A CrashLoop incident resolves on pod health (an APIOutage without a health signal waits for a person).
      await waitFor('incident resolved', async () => (await getJson(['get', 'incident', 'smoke', '-n', ns])).status?.phase === 'Resolved', 60_000, 500);
    } finally {
      process.kill(-proc.pid!, 'SIGTERM');
    }
    expect(await exited).to.equal(0);
    expect(out).to.include('"message":"stopped"');
  });
});
