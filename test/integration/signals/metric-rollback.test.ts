/**
 * Metric-triggered rollback, end to end with real components on loopback: the workload exporter serves the
 * application's metrics (good or bad by the image the Deployment runs), the real Prometheus scrapes it every
 * second, the real operator process evaluates the Deployment's default signals (annotation runbook.dev/signals)
 * every second. A release that serves 5xx without crashing is rolled back to the last known good, and the
 * Incident resolves only after the error ratio has been back under the threshold for the monitoring window.
 * A breach that began before the rollout is escalated instead, and says why.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { startPrometheus, type PrometheusHarness } from '../../harness/prometheus.js';
import {
  OPT_IN, applyDeployment, getDeployment, getIncident, imageOf, listIncidents, revisionOf, timelineTypes,
  waitForHealthy, waitForIncidentPhase, waitForLastKnownGood, waitForRevision, orderedIndices, type Json,
} from '../../harness/rollout.js';
import { followDeployment, startWorkloadExporter, type WorkloadExporter } from '../../harness/workload-exporter.js';
import { signalsAnnotation } from '../../harness/signal-fixtures.js';

const V1 = 'example.test/api:1.0.0';
const V2 = 'example.test/api:2.0.0';
const MONITOR_WINDOW_SECONDS = 4;
/**
 * Only a revision this recent is rolled back on a breach. The first test needs its breach (exporter switch, scrapes,
 * rate over 3 s, two evaluations) seen inside it even on a loaded machine (10 s raced that: OutsideRolloutWindow,
 * no Incident); the second waits for revision 1 to age past it.
 */
const ROLLOUT_WINDOW_SECONDS = 30;

/** The operator's `signals evaluated` debug lines for one Deployment, in order. */
function evaluations(op: OperatorProcess, key: string): { evaluation: number; summary: string }[] {
  return op.logLines().filter((l) => l.message === 'signals evaluated' && l.deployment === key)
    .map((l) => ({ evaluation: Number(l.evaluation), summary: String(l.summary) }));
}

describe('signals: metric-triggered rollback (real Prometheus, operator process)', function () {
  let ns: string;
  let nsBefore: string;
  let op: OperatorProcess;
  let prom: PrometheusHarness;
  let exporter: WorkloadExporter;
  const followers: { stop(): void }[] = [];
  let failed = false;

  before(async () => {
    ns = await createTestNamespace('sig-rollback');
    nsBefore = await createTestNamespace('sig-before');
    exporter = await startWorkloadExporter();
    prom = await startPrometheus({ targets: [exporter.address] });
    op = startOperatorProcess({
      namespaces: [ns, nsBefore],
      env: {
        PROMETHEUS_URL: prom.url, SIGNAL_INTERVAL_MS: '1000', SIGNAL_CONSECUTIVE_BREACHES: '2', SIGNAL_ROLLOUT_WINDOW_SECONDS: String(ROLLOUT_WINDOW_SECONDS),
        MONITOR_WINDOW_SECONDS: String(MONITOR_WINDOW_SECONDS), HEALTHY_STABLE_WINDOW_SECONDS: '2', SYMPTOMS_REQUIRE_SIGNALS: 'true',
      },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    for (const f of followers) f.stop();
    await stopOperators([op], failed, 80);
    await prom?.stop();
    await exporter?.stop();
    await deleteNamespace(ns);
    await deleteNamespace(nsBefore);
  });

  it('a release serving 5xx without crashing: Incident at the second breaching evaluation, rollback to last known good, resolved after the window of healthy signals', async () => {
    const name = 'api';
    await exporter.setModes(ns, name, { [V1]: 'good', [V2]: 'bad' });
    followers.push(followDeployment(exporter, ns, name));
    const annotations = signalsAnnotation(ns, name);
    await applyDeployment({ name, namespace: ns, image: V1, replicas: 2, labels: { ...OPT_IN }, annotations });
    await waitForHealthy(ns, name, V1);
    await waitForLastKnownGood(ns, name, 1, 60_000); // recorded only once the signals are healthy too

    await applyDeployment({ name, namespace: ns, image: V2, replicas: 2, labels: { ...OPT_IN }, annotations });
    // No wait for revision 2 to look healthy: on a loaded machine the watcher can roll it back before a poll sees its
    // pods Ready (then that wait never ends). Its diagnosis below says readiness saw nothing wrong instead.
    await waitForRevision(ns, name, 2);
    const incident = await waitFor('the signal watcher opens an Incident', async () => (await listIncidents(ns, `runbook.dev/deployment=${name}`))[0], 60_000, 300);
    expect(incident.metadata.name).to.equal('signal-api-r2');
    expect(incident.metadata.labels['runbook.dev/created-by']).to.equal('signal-watcher');
    expect(incident.metadata.annotations['runbook.dev/signal-breach-origin']).to.equal('AfterRollout');
    expect(incident.spec.signals[0].name).to.equal('error-ratio');
    expect(incident.spec.description).to.match(/error-ratio [\d.]+ > 0.05 Breaching for 2 consecutive evaluations, starting after revision 2/);

    // Within two evaluation intervals of the breach: opened at the second breaching evaluation.
    const opened = op.logLines().find((l) => l.message === 'signal breach: incident opened');
    const firstBreach = evaluations(op, `${ns}/${name}`).find((e) => e.summary.includes('Breaching'));
    expect(firstBreach, 'a breaching evaluation was logged').to.not.equal(undefined);
    expect(Number(opened?.evaluation) - firstBreach!.evaluation).to.be.at.most(1);

    const rolledBack = await waitForRevision(ns, name, 3, 60_000);
    expect(imageOf(rolledBack)).to.equal(V1);

    const resolved = await waitForIncidentPhase(ns, incident.metadata.name, 'Resolved', 90_000);
    expect(resolved.status.phaseReason, JSON.stringify(resolved.status.timeline.map((t: Json) => `${t.type} ${t.reason ?? ''} ${t.message}`))).to.equal('RecoveredAfterRemediation');
    expect(resolved.status.remediation).to.include({ state: 'Succeeded', action: 'Rollback', fromRevision: 2, toRevision: 1 });
    const types = timelineTypes(resolved);
    expect(orderedIndices(types, ['Detected', 'Diagnosed', 'RollbackIntended', 'PhaseMonitoring', 'PhaseResolved'])).to.not.include(-1);

    // Readiness alone saw nothing wrong: no crash-looping pod when it was diagnosed.
    expect(resolved.status.diagnosis.pods.crashLoopingPods, JSON.stringify(resolved.status.diagnosis.pods)).to.equal(0);
    // The diagnosis recorded the breach with numbers only.
    const d = resolved.status.diagnosis.signals.verdicts[0];
    expect(d).to.include({ name: 'error-ratio', verdict: 'Breaching', threshold: 0.05, comparison: '>', source: 'Prometheus' });
    expect(d.value).to.be.greaterThan(0.05);
    expect(resolved.status.diagnosis.summary).to.match(/signals: error-ratio [\d.]+ > 0.05 Breaching/);

    // Resolved only after the signal had been healthy for the whole window (status times, not test timing).
    const s = resolved.status.signals;
    expect(s.verdicts[0].verdict).to.equal('Healthy');
    expect(s.verdicts[0].value).to.be.at.most(0.05);
    const healthySince = Date.parse(s.healthySince);
    const resolvedAt = Date.parse(resolved.status.resolvedAt);
    const rollbackAt = Date.parse(resolved.status.timeline.find((t: Json) => t.type === 'RollbackIntended').time);
    expect(healthySince).to.be.greaterThan(rollbackAt);
    expect(resolvedAt - healthySince).to.be.at.least(MONITOR_WINDOW_SECONDS * 1000);
    expect(resolved.status.conditions.find((c: Json) => c.type === 'SignalsHealthy')).to.include({ status: 'True', reason: 'SignalsHealthy' });
  });

  it('a breach that started before the rollout: an Incident that escalates and says why, no rollback', async () => {
    const name = 'checkout';
    await exporter.setModes(nsBefore, name, { [V1]: 'good', [V2]: 'bad' });
    followers.push(followDeployment(exporter, nsBefore, name));
    const annotations = signalsAnnotation(nsBefore, name);
    await applyDeployment({ name, namespace: nsBefore, image: V1, replicas: 2, labels: { ...OPT_IN }, annotations });
    await waitForHealthy(nsBefore, name, V1);
    await waitForLastKnownGood(nsBefore, name, 1, 60_000);
    // Revision 1 has been out longer than the rollout window: its breach is no rollout's.
    const rs1At = Date.parse((await getDeployment(nsBefore, name)).metadata.creationTimestamp);
    await waitFor(`revision 1 older than the ${ROLLOUT_WINDOW_SECONDS} s rollout window`, () => Date.now() - rs1At > (ROLLOUT_WINDOW_SECONDS + 1) * 1000, (ROLLOUT_WINDOW_SECONDS + 30) * 1000, 500);
    await exporter.setModes(nsBefore, name, { [V1]: 'bad' }); // a dependency fails: revision 1 now serves 5xx
    await waitFor('the watcher sees revision 1 breaching', () => evaluations(op, `${nsBefore}/${name}`).filter((e) => e.summary.includes('Breaching')).length >= 3, 30_000, 300);
    expect(await listIncidents(nsBefore), 'outside the rollout window: no Incident').to.deep.equal([]);

    await applyDeployment({ name, namespace: nsBefore, image: V2, replicas: 2, labels: { ...OPT_IN }, annotations });
    const incident = await waitFor('an Incident for the breach', async () => (await listIncidents(nsBefore))[0], 60_000, 300);
    expect(incident.metadata.annotations['runbook.dev/signal-breach-origin']).to.equal('BeforeRollout');
    const escalated = await waitForIncidentPhase(nsBefore, incident.metadata.name, 'Escalated', 60_000);
    expect(escalated.status.phaseReason).to.equal('SignalBreachBeforeRollout');
    expect(escalated.status.diagnosis.proposal).to.include({ action: 'Escalate', reason: 'SignalBreachBeforeRollout' });
    expect(escalated.status.diagnosis.proposal.message).to.match(/no rollback: the signal breached before the rollout/);
    expect(escalated.spec.description).to.match(/already breached before revision 2 was rolled out .* not the release's fault, no rollback/);
    expect(timelineTypes(escalated)).to.not.include('RollbackIntended');
    const d = await getDeployment(nsBefore, name);
    expect(revisionOf(d)).to.equal(2);
    expect(imageOf(d)).to.equal(V2);
    expect((await getIncident(nsBefore, incident.metadata.name)).status.remediation?.state ?? 'None').to.equal('None');
  });
});
