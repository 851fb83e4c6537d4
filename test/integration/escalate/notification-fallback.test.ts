/**
 * Fallback (issue 12), with the real operator process and loopback receivers: a P1 incident whose tier-1
 * PagerDuty is down longer than NOTIFY_FALLBACK_SECONDS notifies the tier's Slack and the next tier
 * ("on-call unreachable through PagerDuty"), sets NotificationsFailing with a Warning Event and counts the
 * fallback in a metric; when PagerDuty recovers the page is delivered and the condition clears. A target
 * whose Secret key is missing fails fast, with the reason in status, and falls back at once.
 */
import { expect } from 'chai';
import { kubectl, createTestNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { condition, httpGet, incidentEventReasons } from '../../harness/operator-observe.js';
import { listenerAddress } from '../../harness/listeners.js';
import { applyDeployment, createIncident, waitForCrashLoop } from '../../harness/rollout.js';
import { applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, outboxOf, tearDownEscalationSuite, type Json, type PolicySetup } from '../../harness/escalation.js';
import { startFlakyReceivers, type FlakyReceivers } from '../../harness/flaky-receiver.js';

const FALLBACK_SECONDS = 6;

describe('escalate: fallback when a target is unreachable (operator process)', function () {
  let ns: string;
  let nsPermanent: string;
  let rx: FlakyReceivers;
  let rxPermanent: FlakyReceivers;
  let setup: PolicySetup;
  let op: OperatorProcess;
  const name = 'payments-p1';

  const waitForIncident = async (namespace: string, incident: string, what: string, pred: (i: Json) => boolean, timeoutMs = 60_000): Promise<Json> => {
    let last: Json;
    try {
      return await waitFor(what, async () => { last = await getIncidentJson(namespace, incident); return pred(last) ? last : undefined; }, timeoutMs, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last: ${JSON.stringify({ ...escalationSummary(last), conditions: last?.status?.conditions?.filter((c: Json) => c.type === 'NotificationsFailing') })}`, { cause: e });
    }
  };

  before(async () => {
    ns = await createTestNamespace('esc-fallback');
    nsPermanent = await createTestNamespace('esc-permanent');
    rx = await startFlakyReceivers();
    rxPermanent = await startFlakyReceivers();
    setup = escalationSetup(ns, rx, {
      tiers: [
        { level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['pagerduty', 'slack'] },
        { level: 2, name: 'Engineering team lead', triggers: ['AcknowledgeDeadlineExceeded'], channels: ['slack', 'webhook'] },
      ],
    });
    await applyEscalationSetup(setup);
    await applyEscalationSetup(escalationSetup(nsPermanent, rxPermanent, {
      tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['webhook', 'slack'] }],
      omitKeys: ['webhook-url-t1'],
    }));
    await applyDeployment({ name: 'payments', namespace: ns, image: 'example.test/payments:1.0.0', replicas: 1, crashLoop: true });
    await applyDeployment({ name: 'payments', namespace: nsPermanent, image: 'example.test/payments:1.0.0', replicas: 1, crashLoop: true });
    await waitForCrashLoop(ns, 'payments', { minRestarts: 1, timeoutMs: 60_000 });
    await waitForCrashLoop(nsPermanent, 'payments', { minRestarts: 1, timeoutMs: 60_000 });
    op = startOperatorProcess({
      namespaces: [ns, nsPermanent],
      env: {
        PAGERDUTY_EVENTS_URL: rx.pagerduty.url('/v2/enqueue'), ACKNOWLEDGE_SECONDS: '900', RESPONSE_SECONDS_P1: '1800',
        METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', NOTIFY_FALLBACK_SECONDS: String(FALLBACK_SECONDS), NOTIFY_RETRY_CAP_MS_P1: '2000',
        // No receiver here hangs: a 1.5 s attempt timeout only risked a slow local answer being retried (a second
        // Slack message where the test counts exactly two).
        NOTIFY_ATTEMPT_TIMEOUT_MS: '5000',
      },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await rxPermanent?.close();
    await tearDownEscalationSuite({ ops: [op], receivers: rx, ns, failed });
    await kubectl(['delete', 'namespace', nsPermanent, '--wait=false', '--ignore-not-found']);
  });

  it('PagerDuty down longer than the fallback time: tier Slack and the next tier notified, condition, Event, metric; cleared on recovery', async () => {
    await rx.pagerduty.setMode({ kind: 'status', status: 503 });
    await createIncident({ name, namespace: ns, severity: 'P1', summary: 'payments API failing', target: 'payments', rollback: { policy: 'Disabled' } });
    const failing = await waitForIncident(ns, name, 'NotificationsFailing=True', (i) => condition(i, 'NotificationsFailing')?.status === 'True');
    const c = condition(failing, 'NotificationsFailing');
    expect(c.reason).to.equal('TargetUnreachable');
    expect(c.message).to.match(/^pagerduty target pagerduty-t1: HTTP 503, failing since /);
    const since = Date.parse(failing.status.notifications.targets.find((t: Json) => t.name === 'pagerduty-t1').failingSince);
    expect(Date.parse(c.lastTransitionTime) - since, 'not before the fallback time').to.be.at.least(FALLBACK_SECONDS * 1000 - 1000);

    const uid = failing.metadata.uid as string;
    const ofIncident = (q: { headers: Record<string, string | string[] | undefined> }) => String(q.headers['webhook-id'] ?? '').startsWith(`${uid}/`);
    await waitFor('fallback notifications delivered', () => {
      const slack1 = rx.slack.successful((q) => q.path === setup.route(1).slackPath && ofIncident(q)).map((q) => q.rawBody);
      const slack2 = rx.slack.successful((q) => q.path === setup.route(2).slackPath && ofIncident(q));
      const hook2 = rx.webhook.successful((q) => q.path === setup.route(2).webhookPath && ofIncident(q));
      return slack1.length === 2 && slack1[1]!.includes('unreachable through pagerduty') && slack2.length === 1 && hook2.length === 1;
    }, 30_000, 250);
    const hook2 = rx.webhook.successful((q) => q.path === setup.route(2).webhookPath && ofIncident(q))[0]!;
    expect(hook2.body).to.deep.include({ kind: 'escalated' });
    expect(hook2.body.escalation.tier).to.equal(2);
    expect(hook2.body.reason).to.match(/^on-call unreachable through pagerduty: pagerduty target \S+: HTTP /);
    const afterFallback = await getIncidentJson(ns, name);
    expect(afterFallback.status.escalation.notified.map((n: Json) => `${n.tier}:${n.trigger}`)).to.include('2:NotificationFallback');
    expect(outboxOf(afterFallback).find((e: Json) => e.target === 'pagerduty-t1').state, 'the page itself keeps retrying').to.equal('Pending');

    const reasons = await waitFor('Warning Events', async () => {
      const r = await incidentEventReasons(ns, name);
      return r.includes('TargetUnreachable') && r.includes('NotificationFallback') ? r : undefined;
    }, 30_000, 500);
    expect(reasons).to.include('TargetUnreachable');
    const address = await listenerAddress(op, 'metrics');
    const metrics = await httpGet(`http://${address}/metrics`);
    expect(metrics.body).to.match(/incident_operator_notification_fallbacks_total\{target_type="pagerduty"\} [1-9]/);
    expect(metrics.body).to.match(/incident_operator_notifications_total\{target_type="pagerduty",outcome="failed"\} [1-9]/);

    // Recovery: the page goes out and the condition clears.
    await rx.pagerduty.setMode({ kind: 'ok' });
    const cleared = await waitForIncident(ns, name, 'NotificationsFailing=False', (i) => condition(i, 'NotificationsFailing')?.status === 'False', 30_000);
    expect(condition(cleared, 'NotificationsFailing').reason).to.equal('NotificationsDelivered');
    expect(outboxOf(cleared).find((e: Json) => e.target === 'pagerduty-t1').state).to.equal('Delivered');
    expect(rx.pagerduty.successful((q) => q.body?.dedup_key === uid && q.body?.event_action === 'trigger')).to.have.length(1);
    expect(cleared.status.notifications.targets.find((t: Json) => t.name === 'pagerduty-t1')).to.deep.equal({ name: 'pagerduty-t1' });
    await waitFor('NotificationsRecovered Event', async () => (await incidentEventReasons(ns, name)).includes('NotificationsDelivered'), 30_000, 500);
  });

  it('a target whose Secret key is missing fails fast with the reason in status and falls back at once', async () => {
    await createIncident({ name, namespace: nsPermanent, severity: 'P1', summary: 'payments API failing', target: 'payments', rollback: { policy: 'Disabled' } });
    const i = await waitForIncident(nsPermanent, name, 'webhook entry Failed', (x) => outboxOf(x).find((e: Json) => e.target === 'webhook-t1')?.state === 'Failed');
    const e = outboxOf(i).find((x: Json) => x.target === 'webhook-t1');
    expect(e.attempts).to.equal(1);
    expect(e.finalReason).to.equal('permanent failure: webhook target webhook-t1: Secret incident-notifications or its key webhook-url-t1 (URL) not found');
    const withCondition = await waitForIncident(nsPermanent, name, 'NotificationsFailing=True', (x) => condition(x, 'NotificationsFailing')?.status === 'True', 20_000);
    expect(condition(withCondition, 'NotificationsFailing').message).to.include('(permanent)');
    const uid = withCondition.metadata.uid as string;
    await waitFor('fallback to the tier\'s Slack', () => rxPermanent.slack.successful((q) => String(q.headers['webhook-id'] ?? '').startsWith(`${uid}/escalated:1:slack-t1:Fallback-webhook-t1`)).length === 1, 20_000, 250)
      .catch(async (e: unknown) => { throw new Error(`${String(e)}; ${JSON.stringify(escalationSummary(await getIncidentJson(nsPermanent, name)))}; slack got ${rxPermanent.slack.requests.map((q) => String(q.headers['webhook-id'])).join(', ')}`, { cause: e }); });
    expect(rxPermanent.webhook.requests, 'nothing sent without a URL').to.have.length(0);
  });
});
