/**
 * Escalate, the people side: `kubectl incident ack` before the acknowledge deadline stops the escalation to
 * tier 2 and acknowledges the PagerDuty incident; `kubectl incident resolve --note` resolves it in PagerDuty
 * with the same dedup_key (the Incident's UID) as the trigger and moves the Incident to Resolved;
 * `kubectl incident timeline` prints what happened. The shipped plugin runs with our kubectl first on PATH.
 */
import { expect } from 'chai';
import { createTestNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyDeployment, createIncident, sleep, waitForCrashLoop, waitForIncidentPhase } from '../../harness/rollout.js';
import {
  applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, pagerDutyEvents, requestsForTier, runKubectlPlugin, runPlugin,
  type Json, type PolicySetup,
  tearDownEscalationSuite,
} from '../../harness/escalation.js';

/**
 * Between the Incident's creation and the ack come the tier-1 page, a kubectl read and the plugin's own start
 * (tsx, 3-5 s at load 15): 30 s keeps the ack before the deadline on a loaded machine (15 s left a few seconds).
 */
const ACK_SECONDS = 30;

describe('escalate: acknowledge and resolve with kubectl incident (operator process)', function () {
  let ns: string;
  let op: OperatorProcess;
  let receivers: Receivers;
  let setup: PolicySetup;
  const target = 'billing';
  const name = 'billing-down';
  let uid: string;

  before(async () => {
    ns = await createTestNamespace('esc-ack');
    receivers = await startReceivers();
    setup = escalationSetup(ns, receivers);
    await applyEscalationSetup(setup);
    await applyDeployment({ name: target, namespace: ns, image: 'example.test/billing:1.0.0', replicas: 2, crashLoop: true });
    await waitForCrashLoop(ns, target, { minRestarts: 1, timeoutMs: 60_000 });
    op = startOperatorProcess({
      namespaces: [ns],
      env: { ACKNOWLEDGE_SECONDS: String(ACK_SECONDS), RESPONSE_SECONDS_P1: '900', PAGERDUTY_EVENTS_URL: receivers.pagerduty.url('/v2/enqueue') },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await tearDownEscalationSuite({ ops: [op], receivers, ns, failed });
  });

  it('ack before the deadline: no tier 2, PagerDuty acknowledge event for the paged tier', async () => {
    await createIncident({ name, namespace: ns, severity: 'P1', summary: 'billing API returns 500', target, rollback: { policy: 'Disabled' } });
    const tier1 = setup.route(1);
    const trigger = await waitFor('tier 1 PagerDuty trigger', () => pagerDutyEvents(receivers, { routingKey: tier1.routingKey, action: 'trigger', successfulOnly: true })[0], 60_000, 200);
    const opened = await getIncidentJson(ns, name);
    uid = opened.metadata.uid;
    expect(trigger.body.dedup_key).to.equal(uid);

    const ack = await runPlugin(['ack', name, '-n', ns, '--by', 'bob']);
    expect(ack.code, ack.stderr).to.equal(0);
    expect(ack.stdout).to.match(new RegExp(`^incident ${name} acknowledged by bob at `));

    const acked = await waitFor('status.acknowledgedAt', async () => {
      const i = await getIncidentJson(ns, name);
      return i.status?.acknowledgedAt ? i : undefined;
    }, 30_000, 200);
    expect(acked.spec.acknowledgement.acknowledgedBy).to.equal('bob');
    const ackBy = Date.parse(acked.status.acknowledgeBy);
    expect(Date.parse(acked.status.acknowledgedAt), 'precondition: acknowledged before the acknowledge deadline').to.be.below(ackBy);
    expect(acked.status.conditions.find((c: Json) => c.type === 'Acknowledged')).to.include({ status: 'True', reason: 'AcknowledgedByPerson' });

    const ackEvent = await waitFor('PagerDuty acknowledge event', () => pagerDutyEvents(receivers, { action: 'acknowledge', successfulOnly: true })[0], 30_000, 200);
    expect(ackEvent.body).to.deep.equal({ routing_key: tier1.routingKey, event_action: 'acknowledge', dedup_key: uid });

    // Let the acknowledge deadline pass (plus margin for a late reconcile): tier 2 must stay silent.
    await sleep(Math.max(0, ackBy - Date.now()) + 5000);
    const after = await getIncidentJson(ns, name);
    const summary = JSON.stringify(escalationSummary(after));
    expect(requestsForTier(receivers, setup, 2).map((r) => `${r.channel} ${r.req.path}`), 'tier 2 never notified').to.deep.equal([]);
    expect(after.status.escalation.tier, summary).to.equal(1);
    expect(after.status.escalation.notified.map((n: Json) => n.trigger), summary).to.deep.equal(['OnOpen']);
    expect(after.status.conditions.find((c: Json) => c.type === 'AcknowledgeDeadlineExceeded')?.status, summary).to.equal('False');
    expect(after.status.conditions.find((c: Json) => c.type === 'Escalated')?.status, 'no tier escalation condition').to.not.equal('True');
    expect(pagerDutyEvents(receivers, { action: 'acknowledge' }), 'one acknowledge event').to.have.length(1);
    expect(pagerDutyEvents(receivers, { action: 'trigger' }), 'one trigger event').to.have.length(1);
  });

  it('resolve --note: PagerDuty resolve with the trigger\'s dedup_key, phase Resolved', async () => {
    expect(uid, 'depends on the previous test').to.be.a('string');
    const res = await runPlugin(['resolve', name, '-n', ns, '--note', 'rolled back by hand']);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.match(new RegExp(`^incident ${name} resolved by \\S+ at `));

    const resolved = await waitForIncidentPhase(ns, name, 'Resolved', 30_000);
    expect(resolved.spec.resolution.note).to.equal('rolled back by hand');
    expect(resolved.status.phaseReason).to.equal('ResolvedByPerson');
    expect(resolved.status.resolvedAt).to.be.a('string');

    const tier1 = setup.route(1);
    const resolveEvent = await waitFor('PagerDuty resolve event', () => pagerDutyEvents(receivers, { action: 'resolve', successfulOnly: true })[0], 30_000, 200);
    const triggerEvent = pagerDutyEvents(receivers, { action: 'trigger' })[0]!;
    expect(resolveEvent.body).to.deep.equal({ routing_key: tier1.routingKey, event_action: 'resolve', dedup_key: triggerEvent.body.dedup_key });
    expect(resolveEvent.body.dedup_key).to.equal(uid);

    // The other tier-1 targets hear about the resolution too; tiers 2 and 3 were never involved.
    await waitFor('Slack and webhook resolved messages', () =>
      receivers.slack.successful((r) => r.path === tier1.slackPath && String(r.body?.text).includes('Incident resolved')).length === 1
      && receivers.webhook.successful((r) => r.path === tier1.webhookPath && r.body?.kind === 'resolved').length === 1, 30_000, 200);
    await sleep(2000);
    expect(requestsForTier(receivers, setup, 2)).to.deep.equal([]);
    expect(requestsForTier(receivers, setup, 3)).to.deep.equal([]);
    expect(pagerDutyEvents(receivers).map((r) => r.body.event_action), 'PagerDuty life cycle').to.deep.equal(['trigger', 'acknowledge', 'resolve']);
    const final = await getIncidentJson(ns, name);
    for (const e of final.status.notifications.outbox) expect(e, e.key).to.include({ state: 'Delivered', attempts: 1 });
  });

  it('kubectl incident timeline prints the entries', async () => {
    expect(uid, 'depends on the previous tests').to.be.a('string');
    const incident = await getIncidentJson(ns, name);
    const r = await runKubectlPlugin(['timeline', name, '-n', ns]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^TIME\s+PHASE\s+TYPE\s+MESSAGE$/);
    const timeline = incident.status.timeline as Json[];
    const rows = lines.slice(1, 1 + timeline.length);
    expect(rows).to.have.length(timeline.length);
    timeline.forEach((t, i) => {
      expect(rows[i]!.startsWith(t.time), rows[i]).to.equal(true);
      expect(rows[i]).to.include(t.type);
    });
    expect(r.stdout).to.match(/Acknowledged\s+acknowledged by bob/);
    expect(r.stdout).to.match(/PhaseResolved\s+resolved by \S+: rolled back by hand/);
    expect(r.stdout).to.include(`Showing ${timeline.length} of ${incident.status.timelineTotal ?? timeline.length} timeline entries`);
  });
});
