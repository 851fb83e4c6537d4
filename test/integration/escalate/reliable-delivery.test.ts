/**
 * Escalate, reliable delivery: notifications go through the outbox in the Incident's status. A Slack endpoint
 * answering 503 never holds up PagerDuty; a webhook endpoint that refuses connections is retried with backoff
 * (attempts and lastError visible in status); the Pending entries survive an operator SIGKILL, the restarted
 * operator keeps retrying, and once the receivers are back every notification arrives exactly once.
 */
import { expect } from 'chai';
import { createTestNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyDeployment, createIncident, sleep, waitForCrashLoop } from '../../harness/rollout.js';
import {
  applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, outboxEntry, outboxOf, pagerDutyEvents,
  type Json, type PolicySetup,
  tearDownEscalationSuite,
} from '../../harness/escalation.js';

describe('escalate: reliable delivery through the status outbox (operator process)', function () {
  let ns: string;
  let receivers: Receivers;
  let setup: PolicySetup;
  const ops: OperatorProcess[] = [];
  const target = 'records';
  const name = 'records-crashing';
  let leaseName: string;

  const startOperator = async (): Promise<OperatorProcess> => {
    const op = startOperatorProcess({
      namespaces: [ns], leaseName,
      env: {
        PAGERDUTY_EVENTS_URL: receivers.pagerduty.url('/v2/enqueue'),
        // A restarted pod gets a new identity: let it take over the dead leader's lease quickly (but a 3 s renew
        // deadline could make a busy leader on a loaded machine step down and exit mid-test).
        LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '500',
      },
    });
    ops.push(op);
    await op.waitForLog(/leading: workers started/, 60_000);
    return op;
  };
  const incident = () => getIncidentJson(ns, name);
  const waitForIncident = async (what: string, pred: (i: Json) => boolean, timeoutMs = 60_000): Promise<Json> => {
    let last: Json;
    try {
      return await waitFor(what, async () => { last = await incident(); return pred(last) ? last : undefined; }, timeoutMs, 200);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last: ${JSON.stringify(escalationSummary(last))}`, { cause: e });
    }
  };

  before(async () => {
    ns = await createTestNamespace('esc-deliver');
    leaseName = `incident-operator-${ns}`;
    receivers = await startReceivers();
    setup = escalationSetup(ns, receivers, { tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['slack', 'pagerduty', 'webhook'] }] });
    await applyEscalationSetup(setup);
    await applyDeployment({ name: target, namespace: ns, image: 'example.test/records:1.0.0', replicas: 2, crashLoop: true });
    await waitForCrashLoop(ns, target, { minRestarts: 1, timeoutMs: 60_000 });
    await startOperator();
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await tearDownEscalationSuite({ ops, receivers, ns, failed });
  });

  it('Slack answering 503 and a webhook refusing connections do not block PagerDuty', async () => {
    receivers.slack.failWith(503);
    await receivers.webhook.stop();
    await createIncident({ name, namespace: ns, severity: 'P1', summary: 'records service crash-looping', target, rollback: { policy: 'Disabled' } });

    const i = await waitForIncident('PagerDuty delivered while Slack and the webhook fail', (x) =>
      outboxEntry(x, 'pagerduty-t1')?.state === 'Delivered'
      && outboxEntry(x, 'slack-t1')?.attempts >= 1 && outboxEntry(x, 'webhook-t1')?.attempts >= 1);
    const pd = outboxEntry(i, 'pagerduty-t1');
    const slack = outboxEntry(i, 'slack-t1');
    const hook = outboxEntry(i, 'webhook-t1');
    expect(pd).to.include({ state: 'Delivered', attempts: 1, kind: 'opened' });
    expect(slack).to.include({ state: 'Pending', kind: 'opened' });
    expect(slack.lastError).to.equal('slack target slack-t1: HTTP 503');
    expect(slack.nextAttemptAt).to.be.a('string');
    expect(hook).to.include({ state: 'Pending', kind: 'opened' });
    expect(hook.lastError).to.match(/^webhook target webhook-t1: connection error/);
    // Errors in status name the target, never its URL or key.
    for (const e of outboxOf(i)) {
      expect(String(e.lastError ?? '')).to.not.include('127.0.0.1');
      expect(String(e.lastError ?? '')).to.not.include(setup.route(1).routingKey);
    }
    expect(pagerDutyEvents(receivers, { action: 'trigger', successfulOnly: true })).to.have.length(1);
    expect(receivers.slack.requests.length).to.be.at.least(1);
    expect(receivers.slack.successful()).to.have.length(0);
    expect(receivers.webhook.requests, 'webhook receiver is down').to.have.length(0);
  });

  it('Pending entries survive a SIGKILL; after the receivers return, each notification arrives exactly once', async () => {
    // Retries happen with backoff while the receivers stay down.
    await waitForIncident('two failed attempts each', (x) => outboxEntry(x, 'slack-t1')?.attempts >= 2 && outboxEntry(x, 'webhook-t1')?.attempts >= 2);
    const first = ops[0]!;
    await first.kill('SIGKILL');
    expect(first.exited()).to.equal(true);
    const atKill = await incident();
    expect(outboxEntry(atKill, 'slack-t1').state).to.equal('Pending');
    expect(outboxEntry(atKill, 'webhook-t1').state).to.equal('Pending');
    const attemptsAtKill = { slack: outboxEntry(atKill, 'slack-t1').attempts as number, webhook: outboxEntry(atKill, 'webhook-t1').attempts as number };

    // The restarted operator picks the Pending entries up from status and keeps retrying (still down).
    const second = await startOperator();
    expect(second.identity).to.not.equal(first.identity);
    await waitForIncident('the restarted operator retries', (x) =>
      outboxEntry(x, 'slack-t1')?.attempts > attemptsAtKill.slack && outboxEntry(x, 'webhook-t1')?.attempts > attemptsAtKill.webhook);

    // The receivers come back.
    receivers.slack.failWith(undefined);
    await receivers.webhook.start();
    const done = await waitForIncident('every entry Delivered', (x) => outboxOf(x).length === 3 && outboxOf(x).every((e: Json) => e.state === 'Delivered'), 90_000);
    await sleep(3000); // room for a duplicate to show up

    const slackOk = receivers.slack.successful((r) => r.path === setup.route(1).slackPath);
    const hookOk = receivers.webhook.successful((r) => r.path === setup.route(1).webhookPath);
    const pdOk = pagerDutyEvents(receivers, { successfulOnly: true });
    expect(slackOk, 'Slack: delivered once').to.have.length(1);
    expect(slackOk[0]!.body.text).to.include('Incident opened');
    expect(hookOk.map((r) => `${r.body.kind}:${r.body.escalation.tier}`), 'webhook: delivered once').to.deep.equal(['opened:1']);
    expect(pdOk.map((r) => `${r.body.event_action}:${r.body.dedup_key}`), 'PagerDuty: delivered once, not again after the restart').to.deep.equal([`trigger:${done.metadata.uid}`]);
    expect(receivers.slack.requests.length, 'Slack saw the failed attempts too').to.be.greaterThan(1);
    for (const e of outboxOf(done)) {
      expect(e.lastError, `${e.key}: lastError cleared on delivery`).to.equal(undefined);
      expect(e.deliveredAt).to.be.a('string');
    }
    expect(outboxEntry(done, 'slack-t1').attempts).to.be.greaterThan(attemptsAtKill.slack + 1);
    expect(outboxEntry(done, 'webhook-t1').attempts).to.be.greaterThan(attemptsAtKill.webhook + 1);
    const final = await incident();
    expect(outboxOf(final)).to.deep.equal(outboxOf(done));
  });
});
