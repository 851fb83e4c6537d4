/**
 * Escalate, what a responder receives: the PagerDuty custom_details, the webhook body and the Slack message
 * carry every item the runbook asks for when escalating (detailed description, impact assessment with severity,
 * replicas available/desired and how long, troubleshooting steps already attempted from the timeline, relevant
 * log signatures and metrics). The target crash-loops with logs full of PHI canaries (SSN, MRN, e-mail, phone,
 * a password): none of them reaches any notification, the Incident, the namespace's Events or the operator's
 * own log output, while the redacted signatures (with placeholders) do.
 */
import { expect } from 'chai';
import { createTestNamespace, getJson, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { simulateNamespaceLogs } from '../../harness/simulated-logs.js';
import { applyDeployment, createIncident, listPods, waitForCrashLoop } from '../../harness/rollout.js';
import {
  applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, outboxOf, pagerDutyEvents, runKubectlPlugin,
  type Json, type PolicySetup,
  tearDownEscalationSuite,
} from '../../harness/escalation.js';

const CANARIES = ['078-05-1120', 'MRN-00987123', '00987123', 'jane.doe@example-hospital.org', 'example-hospital', '(555) 867-5309', '867-5309', 'hunter2canary'];

const LOG_LINES = [
  'INFO starting patient-api 2.4.1',
  'ERROR failed to load chart for patient ssn=078-05-1120 mrn=MRN-00987123',
  'ERROR reminder not sent to jane.doe@example-hospital.org phone (555) 867-5309',
  'FATAL cannot connect to database password=hunter2canary host 10.20.30.40:5432',
  'ERROR lookup MRN-00987123 failed: patient SSN 078-05-1120',
];

function canariesIn(text: string): string[] {
  const t = text.toLowerCase();
  return CANARIES.filter((c) => t.includes(c.toLowerCase()));
}

describe('escalate: escalation payload and PHI canaries (operator process)', function () {
  let ns: string;
  let op: OperatorProcess;
  let receivers: Receivers;
  let setup: PolicySetup;
  const target = 'patient-api';
  const name = 'patient-api-crashloop';
  let escalated: Json;

  before(async () => {
    ns = await createTestNamespace('esc-payload');
    receivers = await startReceivers();
    setup = escalationSetup(ns, receivers, {
      tiers: [
        { level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['slack', 'pagerduty', 'webhook'] },
        { level: 2, name: 'Engineering team lead', triggers: ['AcknowledgeDeadlineExceeded'], channels: ['slack', 'pagerduty', 'webhook'] },
      ],
    });
    await applyEscalationSetup(setup);
    await simulateNamespaceLogs(ns, LOG_LINES);
    await applyDeployment({ name: target, namespace: ns, image: 'example.test/patient-api:2.4.1', replicas: 3, crashLoop: true });
    await waitForCrashLoop(ns, target, { minRestarts: 1, timeoutMs: 60_000 });
    op = startOperatorProcess({
      namespaces: [ns],
      env: { ACKNOWLEDGE_SECONDS: '6', RESPONSE_SECONDS_P1: '900', PAGERDUTY_EVENTS_URL: receivers.pagerduty.url('/v2/enqueue') },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await tearDownEscalationSuite({ ops: [op], receivers, ns, failed });
  });

  it('precondition: the crash-looping pods really serve the PHI canaries as their logs', async () => {
    const pod = (await listPods(ns, target))[0];
    const r = await kubectl(['logs', pod.metadata.name, '-n', ns, '--previous', '--tail=100']);
    expect(r.code, r.stderr).to.equal(0);
    expect(canariesIn(r.stdout)).to.include.members(['078-05-1120', 'MRN-00987123', 'jane.doe@example-hospital.org', '(555) 867-5309', 'hunter2canary']);
  });

  it('the escalation to tier 2 carries description, impact, steps attempted, log signatures and metrics', async () => {
    await createIncident({ name, namespace: ns, severity: 'P1', summary: 'patient-api crash-looping after deploy', target, rollback: { policy: 'Disabled' } });
    let last: Json;
    try {
      escalated = await waitFor('tier 2 notified on every channel', async () => {
        last = await getIncidentJson(ns, name);
        const entries = outboxOf(last);
        return last?.status?.escalation?.tier === 2 && entries.length === 6 && entries.every((e: Json) => e.state === 'Delivered') ? last : undefined;
      }, 60_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last: ${JSON.stringify(escalationSummary(last))}`, { cause: e });
    }
    const signatures = escalated.status.diagnosis.logs.signatures.map((s: Json) => s.signature) as string[];
    expect(signatures.join('\n'), 'redacted signatures in status').to.include('<ssn>').and.include('<email>').and.include('<phone>').and.include('<secret>');

    const pd = pagerDutyEvents(receivers, { routingKey: setup.route(2).routingKey, action: 'trigger', successfulOnly: true });
    expect(pd).to.have.length(1);
    const d = pd[0]!.body.payload.custom_details;
    // Detailed description.
    expect(d.description).to.include('P1 (high - major functionality impaired)').and.include(`incident ${name}`).and.include(`namespace ${ns}`)
      .and.include(`affecting ${target}`).and.include('tier 2 (Engineering team lead)').and.include('patient-api crash-looping after deploy');
    expect(d.reason, 'why: readable, with the deadline').to.include(`P1 incident not acknowledged by ${escalated.status.acknowledgeBy}; escalating to tier 2 (Engineering team lead)`);
    expect(d.ask).to.include('next tier');
    // Impact assessment: severity, replicas, how long.
    expect(pd[0]!.body.payload.severity).to.equal('error');
    expect(d.impact.replicasDesired).to.equal(3);
    expect(d.impact.replicasAvailable).to.be.a('number').and.to.be.below(3);
    expect(d.impact.openForSeconds).to.be.at.least(5);
    expect(d.impact.text).to.match(/^\d\/3 replicas available \(\d missing\); open for \d+s$/);
    // Troubleshooting steps already attempted: the timeline.
    const steps = (d.steps_attempted as string[]).join('\n');
    for (const step of ['Opened', 'PhaseDiagnosing', 'Diagnosed', 'PhaseEscalated']) expect(steps, step).to.include(` ${step}: `);
    expect(steps).to.include('no known good revision');
    // Relevant logs (redacted signatures) and metrics.
    const pdSignatures = (d.log_signatures as Json[]).map((s) => s.signature).join('\n');
    for (const p of ['<ssn>', '<email>', '<phone>', '<secret>']) expect(pdSignatures, p).to.include(p);
    expect(d.log_signatures.every((s: Json) => s.count >= 1)).to.equal(true);
    expect(d.metrics).to.include({ replicasDesired: 3 });
    expect(d.metrics.crashLoopingPods).to.be.a('number').and.at.least(1);
    expect(d.metrics).to.have.property('replicasReady');

    // The webhook body carries the same runbook fields.
    const hook = receivers.webhook.successful((r) => r.path === setup.route(2).webhookPath);
    expect(hook).to.have.length(1);
    const w = hook[0]!.body;
    expect(w).to.include({ schema: 'incident-operator.io/notification/v1', kind: 'escalated', description: d.description });
    expect(w.impact).to.deep.equal(d.impact);
    expect(w.stepsAttempted).to.deep.equal(d.steps_attempted);
    expect(w.logSignatures).to.deep.equal(d.log_signatures);
    expect(w.metrics).to.deep.equal(d.metrics);
    expect(w.incident).to.include({ severity: 'P1', target, name, namespace: ns });

    // Slack shows the signatures too (escaped for mrkdwn).
    const slack = receivers.slack.successful((r) => r.path === setup.route(2).slackPath);
    expect(slack).to.have.length(1);
    const slackText = JSON.stringify(slack[0]!.body);
    for (const section of ['Impact', 'What was done', 'Log signatures', 'Metrics']) expect(slackText).to.include(`*${section}*`);
    expect(slackText).to.include('&lt;ssn&gt;');
  });

  it('no PHI canary in any notification, the Incident, the Events or the operator log', async () => {
    expect(escalated, 'depends on the previous test').to.exist;
    const bodies = receivers.all();
    expect(bodies.length).to.be.at.least(6);
    for (const r of bodies) expect(canariesIn(r.rawBody), `${r.path} body`).to.deep.equal([]);

    const incidentRaw = JSON.stringify(await getIncidentJson(ns, name));
    expect(canariesIn(incidentRaw), 'Incident JSON').to.deep.equal([]);
    expect(incidentRaw).to.include('<ssn>');

    const events = await getJson<{ items: Json[] }>(['get', 'events', '-n', ns]);
    expect(events.items.some((e) => e.involvedObject?.kind === 'Incident'), 'the operator recorded Events').to.equal(true);
    expect(canariesIn(JSON.stringify(events)), 'Events').to.deep.equal([]);

    const timeline = await runKubectlPlugin(['timeline', name, '-n', ns]);
    expect(timeline.code, timeline.stderr).to.equal(0);
    expect(canariesIn(timeline.stdout), 'kubectl incident timeline').to.deep.equal([]);

    const output = op.output();
    expect(output).to.include('incident status written');
    expect(canariesIn(output), 'operator log output').to.deep.equal([]);
  });
});
