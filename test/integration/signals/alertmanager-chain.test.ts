/**
 * The Alertmanager chain, end to end with the real binaries on loopback: a Prometheus alerting rule on the
 * workload's 5xx ratio → the real Alertmanager → the operator's intake (POST /alertmanager, bearer token from a
 * file) → an Incident → rollback to the last known good (the diagnosis blames the newest rollout: Prometheus shows
 * the ratio healthy just before it) → the alert resolves (Alertmanager sends `resolved`) → the Incident resolves
 * on its signals. promtool checks the generated config and rules; amtool checks the Alertmanager config.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startAlertmanager, type AlertmanagerHarness } from '../../harness/alertmanager.js';
import { freeLoopbackPort } from '../../harness/binary-process.js';
import { listenerPort } from '../../harness/listeners.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { startPrometheus, type PrometheusHarness } from '../../harness/prometheus.js';
import {
  OPT_IN, applyDeployment, getIncident, imageOf, listIncidents, summariseIncident, timelineTypes, waitForHealthy, waitForIncidentPhase,
  waitForLastKnownGood, waitForRevision, type Json,
} from '../../harness/rollout.js';
import { signalsAnnotation } from '../../harness/signal-fixtures.js';
import { followDeployment, startWorkloadExporter, type WorkloadExporter } from '../../harness/workload-exporter.js';

const V1 = 'example.test/api:1.0.0';
const V2 = 'example.test/api:2.0.0';

/** The alerting rule, as it would go into a PrometheusRule: labels namespace and deployment come from the series. */
export const ERROR_RATIO_RULE = [
  '  - alert: ApiErrorRatioHigh',
  '    expr: sum by (namespace, deployment) (rate(http_requests_total{code=~"5.."}[3s])) / sum by (namespace, deployment) (rate(http_requests_total[3s])) > 0.05',
  '    labels:',
  '      severity: critical',
  '    annotations:',
  '      summary: API endpoints return 5xx errors',
  '',
].join('\n');

describe('signals: Prometheus rule → Alertmanager → intake → Incident → rollback → alert resolves → Incident resolves', function () {
  let ns: string;
  let dir: string;
  let op: OperatorProcess;
  let am: AlertmanagerHarness;
  let prom: PrometheusHarness;
  let exporter: WorkloadExporter;
  let follower: { stop(): void } | undefined;
  let failed = false;

  before(async () => {
    ns = await createTestNamespace('sig-alertchain');
    dir = mkdtempSync(join(tmpdir(), 'sig-alertchain-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${randomBytes(24).toString('hex')}\n`);
    exporter = await startWorkloadExporter();
    const intake = await freeLoopbackPort();
    am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${intake}/alertmanager`, tokenFile });
    prom = await startPrometheus({ targets: [exporter.address], rules: ERROR_RATIO_RULE, alertmanagers: [am.address] });
    op = startOperatorProcess({
      namespaces: [ns],
      env: {
        ALERTMANAGER_HOST: '127.0.0.1', ALERTMANAGER_PORT: String(intake), ALERTMANAGER_TOKEN_FILE: tokenFile,
        PROMETHEUS_URL: prom.url, SIGNAL_INTERVAL_MS: '1000', SIGNAL_ROLLOUT_WINDOW_SECONDS: '120', MONITOR_WINDOW_SECONDS: '3',
        HEALTHY_STABLE_WINDOW_SECONDS: '2', SYMPTOMS_REQUIRE_SIGNALS: 'true',
        // Only the alert opens the Incident in this suite (the signal watcher would race it).
        SIGNAL_CONSECUTIVE_BREACHES: '100',
      },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
    expect(await listenerPort(op, 'alertmanager')).to.equal(intake);
    expect(prom.checked.map((f) => f.split('/').pop())).to.deep.equal(['rules.yml', 'prometheus.yml']);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    follower?.stop();
    await stopOperators([op], failed, 80);
    await prom?.stop();
    await am?.stop();
    await exporter?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await deleteNamespace(ns);
  });

  it('runs the whole chain with the real Alertmanager', async () => {
    const name = 'api';
    await exporter.setModes(ns, name, { [V1]: 'good', [V2]: 'bad' });
    follower = followDeployment(exporter, ns, name);
    const annotations = signalsAnnotation(ns, name);
    await applyDeployment({ name, namespace: ns, image: V1, replicas: 2, labels: { ...OPT_IN }, annotations });
    await waitForHealthy(ns, name, V1);
    await waitForLastKnownGood(ns, name, 1, 60_000);

    await applyDeployment({ name, namespace: ns, image: V2, replicas: 2, labels: { ...OPT_IN }, annotations });
    await waitFor('Alertmanager holds the firing alert', async () => (await am.alerts()).some((a) => a.labels.alertname === 'ApiErrorRatioHigh' && a.labels.namespace === ns && a.status.state === 'active'), 60_000, 300);
    const incident = await waitFor('the intake opens an Incident', async () => (await listIncidents(ns))[0], 60_000, 300);
    expect(incident.spec).to.deep.include({ severity: 'P0', runbook: 'APIOutage', summary: 'API endpoints return 5xx errors' });
    expect(incident.spec.target.name).to.equal(name);
    expect(incident.metadata.annotations['runbook.dev/alert-fingerprint']).to.be.a('string');

    const rolledBack = await waitForRevision(ns, name, 3, 60_000);
    expect(imageOf(rolledBack)).to.equal(V1);
    const diagnosed = await getIncident(ns, incident.metadata.name);
    expect(diagnosed.status.diagnosis.signals).to.include({ source: 'Deployment' });
    expect(diagnosed.status.diagnosis.signals.verdicts[0]).to.include({ name: 'error-ratio', verdict: 'Breaching' });
    expect(diagnosed.status.diagnosis.proposal).to.include({ action: 'Rollback', toRevision: 1 });

    // The alert resolves in Prometheus and Alertmanager, which tells the intake.
    const resolvedAlert = await waitFor('the intake recorded the resolved alert', async () => {
      const i = await getIncident(ns, incident.metadata.name);
      return i.metadata.annotations?.['runbook.dev/alert-resolved-at'] ? i : undefined;
    }, 60_000, 300);
    expect(resolvedAlert.metadata.annotations['runbook.dev/alert-resolved-at']).to.be.a('string');

    const resolved = await waitForIncidentPhase(ns, incident.metadata.name, 'Resolved', 60_000);
    expect(resolved.status.phaseReason, JSON.stringify(summariseIncident(resolved))).to.equal('RecoveredAfterRemediation');
    expect(resolved.status.remediation).to.include({ state: 'Succeeded', action: 'Rollback', fromRevision: 2, toRevision: 1 });
    expect(resolved.status.signals.verdicts[0].verdict).to.equal('Healthy');
    expect(timelineTypes(resolved).filter((t: string) => t === 'RollbackIntended')).to.have.length(1);
    expect((await am.alerts()).filter((a: Json) => a.labels.namespace === ns && a.status.state === 'active')).to.deep.equal([]);
  });
});
