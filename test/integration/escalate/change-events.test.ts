/**
 * PagerDuty Change Events (issue 12): the automatic rollback of a crash-looping revision is sent once to the
 * policy's PagerDuty service as an Events API v2 change event (`/v2/change/enqueue`, routing key from the
 * Secret), so responders see it on the service's timeline. Real operator process, loopback receivers.
 */
import { expect } from 'chai';
import { createTestNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { OPT_IN, applyDeployment, listIncidents, sleep, waitForHealthy, waitForLastKnownGood } from '../../harness/rollout.js';
import { applyEscalationSetup, escalationSetup, tearDownEscalationSuite, type PolicySetup } from '../../harness/escalation.js';
import { startFlakyReceivers, type FlakyReceivers } from '../../harness/flaky-receiver.js';

const V1 = 'example.test/orders:1.0.0';
const V2 = 'example.test/orders:2.0.0';

describe('escalate: PagerDuty Change Events for the operator\'s rollbacks (operator process)', function () {
  let ns: string;
  let rx: FlakyReceivers;
  let setup: PolicySetup;
  let op: OperatorProcess;

  before(async () => {
    ns = await createTestNamespace('esc-change');
    rx = await startFlakyReceivers();
    setup = escalationSetup(ns, rx, { tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['pagerduty', 'slack'] }] });
    await applyEscalationSetup(setup);
    op = startOperatorProcess({ namespaces: [ns], env: { PAGERDUTY_EVENTS_URL: rx.pagerduty.url('/v2/enqueue') } });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => { await tearDownEscalationSuite({ ops: [op], receivers: rx, ns, failed }); });

  it('one change event per rollback, to the policy\'s PagerDuty service, next to the incident\'s trigger', async () => {
    await applyDeployment({ name: 'orders', namespace: ns, image: V1, replicas: 2, labels: { ...OPT_IN } });
    await waitForHealthy(ns, 'orders', V1);
    await waitForLastKnownGood(ns, 'orders', 1);
    await applyDeployment({ name: 'orders', namespace: ns, image: V2, replicas: 2, crashLoop: true, labels: { ...OPT_IN } });
    const change = await waitFor('a change event', () => rx.pagerduty.successful((q) => q.path === '/v2/change/enqueue')[0], 120_000, 250);
    await sleep(3000); // room for a duplicate
    const [incident] = await listIncidents(ns, 'runbook.dev/deployment=orders');
    expect(incident?.status?.remediation).to.include({ state: 'Succeeded', action: 'Rollback' });
    expect(rx.pagerduty.successful((q) => q.path === '/v2/change/enqueue'), 'exactly one').to.have.length(1);
    expect(change.body.routing_key).to.equal(setup.route(1).routingKey);
    expect(change.body.payload.summary).to.match(/^Rollback by incident-operator: /);
    expect(change.body.payload.source).to.equal(`k8s:${ns}/deployment/orders`);
    expect(change.body.payload.custom_details).to.include({ action: 'rollback', incident_uid: incident.metadata.uid, namespace: ns });
    expect(change.headers['webhook-id']).to.equal(`${incident.metadata.uid}/${incident.status.notifications.outbox.find((e: { kind: string }) => e.kind === 'change').key}`);
    expect(incident.status.notifications.changeEventsThrough).to.equal(incident.status.remediation.completedAt);
    const trigger = rx.pagerduty.successful((q) => q.path === '/v2/enqueue' && q.body?.dedup_key === incident.metadata.uid && q.body?.event_action === 'trigger');
    expect(trigger, 'the incident was paged on the same service').to.have.length.at.least(1);
  });
});
