/**
 * Slack threads (issue 12): a Slack target with a channel posts with chat.postMessage (bot token from the
 * Secret) and every follow-up for the incident goes into the thread of its first message, whose `ts` is kept
 * in status; the resolve is also broadcast to the channel. Real operator process, a loopback receiver that
 * answers like Slack's Web API.
 */
import { expect } from 'chai';
import { createTestNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { applyDeployment, createIncident, waitForCrashLoop } from '../../harness/rollout.js';
import { applyEscalationSetup, escalationSetup, escalationSummary, getIncidentJson, outboxOf, runPlugin, tearDownEscalationSuite, type Json } from '../../harness/escalation.js';
import { startFlakyReceivers, type FlakyReceivers } from '../../harness/flaky-receiver.js';

describe('escalate: Slack threads with an app token (operator process)', function () {
  let ns: string;
  let rx: FlakyReceivers;
  let op: OperatorProcess;
  const name = 'search-p1';
  const token = 'xoxb-test-0000-threads';

  before(async () => {
    ns = await createTestNamespace('esc-slack');
    rx = await startFlakyReceivers({ slackApi: true });
    await applyEscalationSetup(escalationSetup(ns, rx, {
      slackApp: { token }, notifyOnPhaseChange: true,
      tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['slack', 'pagerduty'] }],
    }));
    await applyDeployment({ name: 'search', namespace: ns, image: 'example.test/search:1.0.0', replicas: 1, crashLoop: true });
    await waitForCrashLoop(ns, 'search', { minRestarts: 1, timeoutMs: 60_000 });
    op = startOperatorProcess({ namespaces: [ns], env: { SLACK_API_URL: rx.slack.url('/api/chat.postMessage'), PAGERDUTY_EVENTS_URL: rx.pagerduty.url('/v2/enqueue') } });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => { await tearDownEscalationSuite({ ops: [op], receivers: rx, ns, failed }); });

  it('the first message starts the thread; follow-ups (the resolve) are replies in it, the resolve broadcast', async () => {
    await createIncident({ name, namespace: ns, severity: 'P1', summary: 'search returns errors', target: 'search', rollback: { policy: 'Disabled' } });
    await waitFor('the opened message posted', () => rx.slack.successful().length >= 1, 60_000, 250)
      .catch(async (e: unknown) => { const i = await getIncidentJson(ns, name); throw new Error(`${String(e)}; ${JSON.stringify({ ...escalationSummary(i), conditions: i.status?.conditions, slack: rx.slack.requests.map((q) => `${q.status} ${q.rawBody.slice(0, 80)}`) })}`, { cause: e }); });
    const r = await runPlugin(['resolve', name, '-n', ns, '--note', 'fixed']);
    expect(r.code, r.stderr).to.equal(0);
    const done = await waitFor('every entry Delivered', async () => {
      const i = await getIncidentJson(ns, name);
      return i.status?.phase === 'Resolved' && outboxOf(i).some((e: Json) => e.kind === 'resolved') && outboxOf(i).every((e: Json) => e.state === 'Delivered') ? i : undefined;
    }, 60_000, 250);
    const posts = rx.slack.successful((q) => q.path === '/api/chat.postMessage');
    expect(posts.length).to.be.at.least(2);
    for (const p of posts) {
      expect(p.headers.authorization).to.equal(`Bearer ${token}`);
      expect(p.body.channel).to.equal('C0TIER1');
    }
    const [first, ...rest] = posts;
    expect(first!.body.thread_ts, 'the first message is not a reply').to.equal(undefined);
    const threadTs = done.status.notifications.targets.find((t: Json) => t.name === 'slack-t1').threadTs as string;
    expect(threadTs).to.match(/^\d+\.\d+$/);
    for (const p of rest) expect(p.body.thread_ts, 'follow-ups go into the thread').to.equal(threadTs);
    expect(rest.at(-1)!.body).to.include({ reply_broadcast: true });
    expect(rest.at(-1)!.rawBody).to.include('resolved');
    expect(JSON.stringify(done), 'the bot token never reaches status').to.not.include(token);
  });
});
