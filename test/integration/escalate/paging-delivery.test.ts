/**
 * Paging you can trust (issue 12), with the real operator process and loopback receivers that record every
 * request. A P0 and a P2 incident go open → escalate → resolve while the receivers fail in turn with 503s
 * (Retry-After longer than the P0 cap), connection resets, hangs (attempt timeouts) and an outage of 30+ s,
 * and the operator is SIGKILLed in the middle. Afterwards:
 * - a de-duplicating receiver (by `webhook-id`) sees every notification exactly once, in creation order per
 *   target, each retry with the same id and bytes; Slack and PagerDuty see each exactly once, resolve last;
 * - for the P0 incident the first delivery after each receiver's recovery comes within the configured cap
 *   plus one attempt timeout (the measured delays are printed);
 * - every webhook delivery verifies with the README's receiver example.
 * Short timings come from the environment (caps, ack deadline), so the file runs in about two minutes.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestNamespace, repoRoot, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { applyDeployment, createIncident, sleep, waitForCrashLoop } from '../../harness/rollout.js';
import { applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, outboxOf, runPlugin, tearDownEscalationSuite, type Json, type PolicySetup } from '../../harness/escalation.js';
import { startFlakyReceivers, type FlakyReceiver, type FlakyReceivers, type FlakyRequest } from '../../harness/flaky-receiver.js';
import { verifyIncidentWebhook } from '../../harness/readme-webhook-verify.js';

const P0_CAP_MS = 3000;
const P2_CAP_MS = 6000;
const ATTEMPT_TIMEOUT_MS = 1500;
/**
 * Reconcile, status write and scheduling on a shared 2-core machine: allowance on top of cap + timeout. At load 19 the
 * P0 gaps reached 5.6 s against the 3 s cap (a 3 s allowance left 0.4 s); 6 s still tells a capped retry from an
 * honoured Retry-After (20-30 s here).
 */
const SCHEDULING_ALLOWANCE_MS = 6000;
const OUTAGE_MS = 32_000;

describe('escalate: paging you can trust — order, ids, retry caps, SIGKILL (operator process)', function () {
  let ns: string;
  let rx: FlakyReceivers;
  let setup: PolicySetup;
  const ops: OperatorProcess[] = [];
  const secret = 'whsec_' + Buffer.from('paging-delivery-test-key-0123456789abcdef').toString('base64');
  const incidents = { P0: 'records-p0', P2: 'ledger-p2' } as const;
  const uids: Record<string, string> = {};
  let leaseName: string;

  const startOperator = async (): Promise<OperatorProcess> => {
    const op = startOperatorProcess({
      namespaces: [ns], leaseName,
      env: {
        PAGERDUTY_EVENTS_URL: rx.pagerduty.url('/v2/enqueue'),
        ACKNOWLEDGE_SECONDS: '12', RESPONSE_SECONDS_P0: '900', RESPONSE_SECONDS_P2: '900',
        NOTIFY_RETRY_CAP_MS_P0: String(P0_CAP_MS), NOTIFY_RETRY_CAP_MS_P2: String(P2_CAP_MS),
        NOTIFY_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS), NOTIFY_FALLBACK_SECONDS: '3600',
        // Quick takeover after the SIGKILL; a 3 s renew deadline could make a busy leader on a loaded machine exit.
        LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '500',
      },
    });
    ops.push(op);
    await op.waitForLog(/leading: workers started/, 60_000);
    return op;
  };
  const both = async (): Promise<Json[]> => Promise.all([getIncidentJson(ns, incidents.P0), getIncidentJson(ns, incidents.P2)]);
  const waitBoth = async (what: string, pred: (i: Json) => boolean, timeoutMs = 90_000): Promise<Json[]> => {
    let last: Json[] = [];
    try {
      return await waitFor(what, async () => { last = await both(); return last.every(pred) ? last : undefined; }, timeoutMs, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last.map(escalationSummary))}`, { cause: e });
    }
  };

  before(async () => {
    ns = await createTestNamespace('esc-paging');
    leaseName = `incident-operator-${ns}`;
    rx = await startFlakyReceivers();
    setup = escalationSetup(ns, rx, {
      hmacSecret: secret,
      tiers: [
        { level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['slack', 'pagerduty', 'webhook'] },
        { level: 2, name: 'Engineering team lead', triggers: ['AcknowledgeDeadlineExceeded'], channels: ['slack', 'pagerduty', 'webhook'] },
      ],
    });
    await applyEscalationSetup(setup);
    for (const d of ['records', 'ledger']) await applyDeployment({ name: d, namespace: ns, image: `example.test/${d}:1.0.0`, replicas: 1, crashLoop: true });
    for (const d of ['records', 'ledger']) await waitForCrashLoop(ns, d, { minRestarts: 1, timeoutMs: 60_000 });
    await startOperator();
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => { await tearDownEscalationSuite({ ops, receivers: rx, ns, failed }); });

  it('open → escalate → resolve through 503s, resets, hangs, a 30 s outage and a SIGKILL: exactly once, in order, promptly', async () => {
    const t0 = Date.now();
    await rx.webhook.setMode({ kind: 'status', status: 503, headers: { 'retry-after': '30' } });
    await rx.pagerduty.setMode({ kind: 'reset' });
    await rx.slack.setMode({ kind: 'hang' });
    await createIncident({ name: incidents.P0, namespace: ns, severity: 'P0', summary: 'records service down', target: 'records', rollback: { policy: 'Disabled' } });
    await createIncident({ name: incidents.P2, namespace: ns, severity: 'P2', summary: 'ledger slow', target: 'ledger', rollback: { policy: 'Disabled' } });
    const attempted = (i: Json, n: number) => ['slack-t1', 'pagerduty-t1', 'webhook-t1'].every((t) => (outboxOf(i).find((e: Json) => e.target === t)?.attempts ?? 0) >= n);
    await waitBoth('every tier-1 entry attempted three times', (i) => attempted(i, 3));
    for (const i of await both()) uids[i.metadata.name] = i.metadata.uid;
    // The webhook answered 503 with Retry-After: 30; P0 honours it only up to its cap.
    const p0Hook = rx.webhook.requests.filter((q) => q.headers['webhook-id'] === `${uids[incidents.P0]}/opened:1:webhook-t1:OnOpen`).map((q) => +q.receivedAt);
    const gaps = p0Hook.slice(1).map((t, i) => t - p0Hook[i]!);
    console.log(`      [measure] P0 webhook gaps between attempts while answering 503 + Retry-After 30: ${gaps.join(', ')} ms (cap ${P0_CAP_MS})`);
    expect(gaps.length).to.be.at.least(2);
    for (const g of gaps) expect(g, 'Retry-After 30 s capped for P0').to.be.at.most(P0_CAP_MS + SCHEDULING_ALLOWANCE_MS);

    // Other failure modes, then the operator dies in the middle and a new one takes over.
    await rx.webhook.setMode({ kind: 'reset' });
    await rx.pagerduty.setMode({ kind: 'status', status: 503, headers: { 'retry-after': '20' } });
    await rx.slack.setMode({ kind: 'down' });
    await sleep(2000);
    await ops[0]!.kill('SIGKILL');
    await startOperator();

    // Escalation to tier 2 (acknowledge deadline), then the webhook goes down completely; both incidents resolve.
    await waitBoth('escalated to tier 2', (i) => outboxOf(i).some((e: Json) => e.kind === 'escalated' && e.target === 'webhook-t2'));
    await rx.webhook.setMode({ kind: 'down' });
    await rx.pagerduty.setMode({ kind: 'hang' });
    for (const n of Object.values(incidents)) {
      const r = await runPlugin(['resolve', n, '-n', ns, '--note', 'fixed by hand']);
      expect(r.code, r.stderr).to.equal(0);
    }
    await waitBoth('resolved entries queued', (i) => i.status?.phase === 'Resolved' && outboxOf(i).some((e: Json) => e.kind === 'resolved'));
    const pendingAtRecovery = (await both()).map((i) => outboxOf(i).filter((e: Json) => e.state === 'Pending').length);
    expect(pendingAtRecovery.every((n) => n > 0), 'entries still pending when the receivers recover').to.equal(true);
    await sleep(Math.max(0, t0 + OUTAGE_MS - Date.now()));

    // Recovery, one receiver after the other.
    for (const r of [rx.webhook, rx.pagerduty, rx.slack]) { await r.setMode({ kind: 'ok' }); await sleep(500); }
    const done = await waitBoth('every entry Delivered (or Superseded)', (i) => outboxOf(i).length > 0 && outboxOf(i).every((e: Json) => e.state === 'Delivered' || e.state === 'Superseded'), 120_000);
    await sleep(3000); // room for a duplicate to show up

    // ---- measured delay between recovery and delivery ----
    const delays: string[] = [];
    const firstAfter = (r: FlakyReceiver, uid: string): FlakyRequest | undefined =>
      r.successful().filter((q) => q.receivedAt >= r.recoveredAt! && requestIncident(q) === uid).sort((a, b) => +a.receivedAt - +b.receivedAt)[0];
    for (const [channel, r] of [['webhook', rx.webhook], ['pagerduty', rx.pagerduty], ['slack', rx.slack]] as const) {
      for (const sev of ['P0', 'P2'] as const) {
        const q = firstAfter(r, uids[incidents[sev]]!);
        const ms = q ? +q.receivedAt - +r.recoveredAt! : undefined;
        delays.push(`${sev} ${channel}: ${ms ?? 'none'} ms`);
        if (sev === 'P0') {
          expect(ms, `${sev} ${channel} delivered after recovery`).to.be.a('number');
          expect(ms!, `${sev} ${channel}: within cap ${P0_CAP_MS} + timeout ${ATTEMPT_TIMEOUT_MS} + ${SCHEDULING_ALLOWANCE_MS} ms`).to.be.at.most(P0_CAP_MS + ATTEMPT_TIMEOUT_MS + SCHEDULING_ALLOWANCE_MS);
        }
      }
    }
    console.log(`      [measure] delay from receiver recovery to first delivery (P0 cap ${P0_CAP_MS} ms, P2 cap ${P2_CAP_MS} ms, attempt timeout ${ATTEMPT_TIMEOUT_MS} ms):\n        ${delays.join('\n        ')}`);

    // ---- exactly once, in creation order, same bytes and id ----
    for (const inc of done) {
      const uid = inc.metadata.uid as string;
      const entries = outboxOf(inc);
      for (const t of ['webhook-t1', 'webhook-t2']) {
        const expected = entries.filter((e: Json) => e.target === t && e.state === 'Delivered').map((e: Json) => e.id);
        const route = setup.route(t === 'webhook-t1' ? 1 : 2).webhookPath;
        const dedup = rx.webhook.deduplicated((q) => q.path === route && String(q.headers['webhook-id']).startsWith(`${uid}/`));
        expect(dedup.map((q) => q.headers['webhook-id']), `${inc.metadata.name} ${t}: each once, in creation order`).to.deep.equal(expected);
        for (const id of expected) {
          const all = rx.webhook.requests.filter((q) => q.headers['webhook-id'] === id);
          expect(new Set(all.map((q) => q.rawBody)).size, `${id}: same bytes on every attempt`).to.equal(1);
        }
        expect(rx.webhook.successful((q) => q.path === route && String(q.headers['webhook-id']).startsWith(`${uid}/`)), `${t}: no duplicate after success`).to.have.length(expected.length);
      }
      for (const level of [1, 2]) {
        const route = setup.route(level);
        const slackOk = rx.slack.successful((q) => q.path === route.slackPath && requestIncident(q) === uid);
        const slackExpected = entries.filter((e: Json) => e.target === `slack-t${level}` && e.state === 'Delivered');
        expect(slackOk.length, `${inc.metadata.name} slack-t${level}: each once`).to.equal(slackExpected.length);
        const pd = rx.pagerduty.successful((q) => q.body?.routing_key === route.routingKey && q.body?.dedup_key === uid).map((q) => q.body.event_action as string);
        const pdExpected = entries.filter((e: Json) => e.target === `pagerduty-t${level}` && e.state === 'Delivered').map((e: Json) => (e.kind === 'resolved' ? 'resolve' : e.kind === 'acknowledged' ? 'acknowledge' : 'trigger'));
        expect(pd, `${inc.metadata.name} pagerduty-t${level}: each once, in order, the resolve last`).to.deep.equal(pdExpected);
        if (pd.length) expect(pd.at(-1)).to.equal('resolve');
      }
    }
    expect(Date.now() - t0).to.be.greaterThan(OUTAGE_MS); // the outage really lasted 30+ s
  });

  it('every webhook delivery verifies with the README receiver example; tampering, another key or a stale timestamp do not', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const example = readFileSync(join(repoRoot, 'test/harness/readme-webhook-verify.ts'), 'utf8').split('// --- README example start ---\n')[1]!.split('// --- README example end ---')[0]!;
    expect(readme, 'the README shows the example verbatim').to.include('```ts\n' + example + '```');
    const hooks = rx.webhook.requests.filter((q) => q.status !== 0 || q.mode === 'reset');
    expect(hooks.length).to.be.greaterThan(4);
    for (const q of hooks) {
      expect(verifyIncidentWebhook(secret, q.headers, q.rawBody, +q.receivedAt), String(q.headers['webhook-id'])).to.equal(true);
      expect(verifyIncidentWebhook(secret, q.headers, q.rawBody.replace('"kind"', '"kinD"'), +q.receivedAt)).to.equal(false);
      expect(verifyIncidentWebhook(secret.slice(0, -4) + 'AAA=', q.headers, q.rawBody, +q.receivedAt)).to.equal(false);
      expect(verifyIncidentWebhook(secret, q.headers, q.rawBody, +q.receivedAt + 301_000)).to.equal(false);
    }
  });
});

/** The incident UID a recorded request is about: the prefix of its delivery id (sent to every target type). */
function requestIncident(q: FlakyRequest): string | undefined {
  const id = q.headers['webhook-id'];
  return typeof id === 'string' ? id.split('/')[0] : undefined;
}
