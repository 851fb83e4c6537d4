/**
 * The README's sample API-outage Incident (deploy/samples/incident.yaml, "API endpoints return 5xx errors") on the
 * sample target, judged by its symptoms: with a breaching signal it stays open and escalates on its deadlines,
 * with healthy signals it resolves, with no signal it waits for a person instead of resolving on ready pods.
 * And with Prometheus down the signal is Unknown: not healthy, said by the diagnosis, nothing rolled back.
 * Real Prometheus scraping the workload exporter; real operator processes.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyYaml, createTestNamespace, deleteNamespace, kubectl, repoRoot, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { startPrometheus, type PrometheusHarness } from '../../harness/prometheus.js';
import {
  OPT_IN, applyDeployment, getDeployment, getIncident, imageOf, listIncidents, revisionOf, sleep, summariseIncident, timelineTypes,
  waitForHealthy, waitForIncidentPhase, waitForLastKnownGood, type Json,
} from '../../harness/rollout.js';
import { followDeployment, startWorkloadExporter, type WorkloadExporter } from '../../harness/workload-exporter.js';
import { errorRatioQuery, signalsAnnotation } from '../../harness/signal-fixtures.js';

const SAMPLE_IMAGE = 'registry.example/patient-advocacy-api:1.0.0';
const WINDOW = 3;

function sample(file: string, ns: string): string {
  return readFileSync(join(repoRoot, 'deploy/samples', file), 'utf8')
    .split(/^---\s*$/m).filter((doc) => !/^kind:\s*Namespace\s*$/m.test(doc)).join('\n---\n')
    .replace(/namespace: patient-advocacy\b/g, `namespace: ${ns}`);
}

/** The sample Incident under another name, with these signals (undefined: as in the sample, none). */
async function createSampleIncident(ns: string, name: string, signals?: Json[]): Promise<void> {
  const obj = k8s.loadYaml<Json>(sample('incident.yaml', ns));
  obj.metadata.name = name;
  if (signals) obj.spec.signals = signals;
  const r = await kubectl(['create', '-f', '-'], { input: JSON.stringify(obj) });
  if (r.code !== 0) throw new Error(`creating ${name}: ${r.stderr}`);
}

const condition = (i: Json, type: string): Json => (i.status?.conditions ?? []).find((c: Json) => c.type === type);

describe('signals: the README sample Incident judged by its symptoms', function () {
  let ns: string;
  let op: OperatorProcess;
  let prom: PrometheusHarness;
  let exporter: WorkloadExporter;
  let failed = false;

  before(async () => {
    ns = await createTestNamespace('sig-sample');
    exporter = await startWorkloadExporter();
    // Two stand-in workloads whose metrics the signals read: one failing, one fine.
    await exporter.setModes(ns, 'frontend-bad', { live: 'bad' });
    await exporter.setCurrent(ns, 'frontend-bad', 'live');
    await exporter.setModes(ns, 'frontend-good', { live: 'good' });
    await exporter.setCurrent(ns, 'frontend-good', 'live');
    prom = await startPrometheus({ targets: [exporter.address] });
    op = startOperatorProcess({
      namespaces: [ns],
      env: {
        PROMETHEUS_URL: prom.url, SIGNAL_INTERVAL_MS: '1000', MONITOR_WINDOW_SECONDS: String(WINDOW), SYMPTOMS_REQUIRE_SIGNALS: 'true',
        // The sample target was rolled out just now: a rollout window of 1 s keeps it out of metric rollback.
        // The acknowledge deadline (15 s) is well past the healthy twin's 3 s window even on a loaded machine, so
        // the healthy one resolves before anyone is paged (a 2 s deadline raced the window: RecoveredWhileEscalated).
        SIGNAL_ROLLOUT_WINDOW_SECONDS: '1', ACKNOWLEDGE_SECONDS: '15',
      },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
    await applyYaml(sample('target-deployment.yaml', ns));
    await waitForHealthy(ns, 'patient-advocacy-api', SAMPLE_IMAGE);
    // The operator's own cache must see the target healthy before the Incidents open: a diagnosis from a cache
    // that still shows the rollout in progress proposes Escalate (no known good revision), and the healthy twin
    // then resolves as RecoveredWhileEscalated. The recorded last known good (opted-in sample) shows that it has.
    await waitForLastKnownGood(ns, 'patient-advocacy-api', 1, 60_000);
    await sleep(1500); // older than the 1 s rollout window
    const ratio = (w: string) => ({ name: 'error-ratio', prometheus: { query: errorRatioQuery(ns, w) }, breachWhen: { comparison: '>', threshold: 0.05 } });
    await createSampleIncident(ns, 'api-5xx-breaching', [ratio('frontend-bad')]);
    await createSampleIncident(ns, 'api-5xx-healthy', [ratio('frontend-good'), { name: 'health', httpProbe: { url: `${exporter.url}/healthz/${ns}/frontend-good`, expectedStatus: 200, timeoutSeconds: 2 } }]);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    await prom?.stop();
    await exporter?.stop();
    await deleteNamespace(ns);
  });

  it('with healthy signals: resolves after the window, the resolution names the signal values', async () => {
    const inc = await waitForIncidentPhase(ns, 'api-5xx-healthy', 'Resolved', 60_000);
    expect(inc.status.phaseReason).to.equal('ResolvedAutomatically');
    expect(inc.status.signals.verdicts.map((v: Json) => [v.name, v.verdict])).to.deep.equal([['error-ratio', 'Healthy'], ['health', 'Healthy']]);
    expect(inc.status.signals.verdicts[1]).to.include({ source: 'HTTPProbe', value: 200, threshold: 200 });
    expect(condition(inc, 'Resolved').message).to.match(/signals: error-ratio 0 <= 0.05 Healthy; health 200 == 200 Healthy/);
  });

  it('with a breaching signal: stays open past the window and escalates on its deadlines', async () => {
    await waitForIncidentPhase(ns, 'api-5xx-healthy', 'Resolved', 60_000); // its twin has had a full window
    const inc = await waitFor('the acknowledge deadline escalated the breaching incident', async () => {
      const i = await getIncident(ns, 'api-5xx-breaching');
      return condition(i, 'AcknowledgeDeadlineExceeded')?.status === 'True' ? i : undefined;
    }, 60_000, 300);
    expect(condition(inc, 'Escalated').status).to.equal('True');
    expect(inc.status.phase, JSON.stringify(summariseIncident(inc))).to.be.oneOf(['Monitoring', 'Escalated']);
    expect(condition(inc, 'AcknowledgeDeadlineExceeded').status).to.equal('True');
    expect(condition(inc, 'SignalsHealthy')).to.include({ status: 'False', reason: 'SignalsBreaching' });
    expect(inc.status.signals.verdicts[0].verdict).to.equal('Breaching');
    expect(inc.status.signals.verdicts[0].value).to.be.greaterThan(0.05);
    expect(inc.status.resolvedAt).to.equal(undefined);
    expect(timelineTypes(inc)).to.not.include('PhaseResolved');
  });

  it('with no signal (the sample as written): does not auto-resolve on ready pods; waits and says for what', async () => {
    await waitForIncidentPhase(ns, 'api-5xx-healthy', 'Resolved', 60_000); // the target is settled and seen healthy
    await createSampleIncident(ns, 'api-5xx-spike');
    const monitoring = await waitForIncidentPhase(ns, 'api-5xx-spike', 'Monitoring', 60_000);
    expect(monitoring.status.diagnosis.proposal.action).to.equal('None');
    await sleep(WINDOW * 1000 + 1500); // a full monitoring window and more
    const inc = await getIncident(ns, 'api-5xx-spike');
    expect(inc.status.phase, JSON.stringify(summariseIncident(inc))).to.equal('Monitoring');
    expect(condition(inc, 'TargetHealthy').status).to.equal('True');
    expect(condition(inc, 'SignalsHealthy')).to.include({ status: 'Unknown', reason: 'WaitingForSignals' });
    expect(condition(inc, 'SignalsHealthy').message).to.match(/waiting for a person to resolve .* or for a health signal/);
    // A person's resolve still ends it.
    const r = await kubectl(['patch', 'incident', 'api-5xx-spike', '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { resolution: { resolvedBy: 'alice', note: 'error rate back to normal' } } })]);
    expect(r.code, r.stderr).to.equal(0);
    const resolved = await waitForIncidentPhase(ns, 'api-5xx-spike', 'Resolved', 30_000);
    expect(resolved.status.phaseReason).to.equal('ResolvedByPerson');
  });
});

describe('signals: Prometheus down', function () {
  let ns: string;
  let op: OperatorProcess;
  let exporter: WorkloadExporter;
  let follower: { stop(): void } | undefined;
  let failed = false;
  const V1 = 'example.test/api:1.0.0';
  const V2 = 'example.test/api:2.0.0';

  before(async () => {
    ns = await createTestNamespace('sig-promdown');
    exporter = await startWorkloadExporter();
    const prom = await startPrometheus({ targets: [exporter.address] });
    const url = prom.url;
    await prom.stop(); // the address the operator is given answers nothing
    op = startOperatorProcess({
      namespaces: [ns],
      env: { PROMETHEUS_URL: url, SIGNAL_INTERVAL_MS: '1000', SIGNAL_CONSECUTIVE_BREACHES: '2', MONITOR_WINDOW_SECONDS: String(WINDOW), SYMPTOMS_REQUIRE_SIGNALS: 'true' },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    follower?.stop();
    await stopOperators([op], failed, 80);
    await exporter?.stop();
    await deleteNamespace(ns);
  });

  it('the signal is Unknown, never healthy: no Incident, no rollback; a person\'s Incident is diagnosed Unknown and not resolved', async () => {
    const name = 'api';
    await exporter.setModes(ns, name, { [V1]: 'good', [V2]: 'bad' });
    follower = followDeployment(exporter, ns, name);
    const annotations = signalsAnnotation(ns, name);
    await applyDeployment({ name, namespace: ns, image: V1, replicas: 2, labels: { ...OPT_IN }, annotations });
    await waitForHealthy(ns, name, V1);
    await applyDeployment({ name, namespace: ns, image: V2, replicas: 2, labels: { ...OPT_IN }, annotations });
    await waitForHealthy(ns, name, V2);
    const key = `${ns}/${name}`;
    const unknownEvaluations = () => op.logLines().filter((l) => l.message === 'signals evaluated' && l.deployment === key && l.revision === 2 && String(l.summary).includes('Unknown'));
    await waitFor('four evaluations of revision 2, all Unknown', () => unknownEvaluations().length >= 4, 60_000, 300);
    expect(unknownEvaluations()[0]!.summary).to.match(/error-ratio Unknown \(Unreachable: ECONNREFUSED\)/);
    expect(await listIncidents(ns), 'Unknown never opens a metric-rollback Incident').to.deep.equal([]);
    const d = await getDeployment(ns, name);
    expect([revisionOf(d), imageOf(d)]).to.deep.equal([2, V2]);
    expect(d.metadata.annotations['runbook.dev/last-known-good'], 'Unknown is not healthy: nothing recorded as known good').to.equal(undefined);

    // A person opens the Incident; it inherits the Deployment's signals.
    const r = await kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'api-5xx', namespace: ns }, spec: { severity: 'P1', summary: 'API endpoints return 5xx errors', runbook: 'APIOutage', target: { kind: 'Deployment', name }, rollback: { policy: 'Automatic' } } }) });
    expect(r.code, r.stderr).to.equal(0);
    const inc = await waitFor('the Incident diagnosed', async () => { const i = await getIncident(ns, 'api-5xx'); return i.status?.diagnosis ? i : undefined; }, 60_000, 300);
    expect(inc.status.diagnosis.signals).to.include({ source: 'Deployment' });
    expect(inc.status.diagnosis.signals.verdicts[0]).to.include({ name: 'error-ratio', verdict: 'Unknown' });
    expect(inc.status.diagnosis.signals.verdicts[0].reason).to.match(/^Unreachable/);
    expect(inc.status.diagnosis.summary).to.match(/signals: error-ratio Unknown \(Unreachable/);
    expect(inc.status.diagnosis.proposal.action).to.not.equal('Rollback');
    await sleep(WINDOW * 1000 + 1500);
    const later = await getIncident(ns, 'api-5xx');
    expect(later.status.phase, JSON.stringify(summariseIncident(later))).to.be.oneOf(['Monitoring', 'Escalated']);
    expect(condition(later, 'SignalsHealthy')).to.include({ status: 'Unknown', reason: 'SignalUnknown' });
    expect(timelineTypes(later)).to.not.include('RollbackIntended');
    expect(revisionOf(await getDeployment(ns, name))).to.equal(2);
  });
});
