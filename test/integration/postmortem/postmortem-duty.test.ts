/**
 * A P1 incident end to end with short post-mortem deadlines (POSTMORTEM_DUE_SECONDS=24, POSTMORTEM_REMINDER_SECONDS=12):
 * it resolves, PostmortemDue turns True, one reminder goes out at the reminder time, `kubectl incident postmortem`
 * prints a draft with the live incident's times and evidence (no PHI canary), `postmortem-done` turns the
 * condition False and no second reminder follows; the resolution is in the time-to-resolve histogram.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestNamespace, deleteNamespace, ensureCluster, repoRoot, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { condition, deleteLease, httpGet, incidentEventReasons } from '../../harness/operator-observe.js';
import { listenerAddress } from '../../harness/listeners.js';
import { applyDeployment, createIncident, getIncident, waitForHealthy, waitForIncidentPhase } from '../../harness/rollout.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyEscalationSetup, escalationSetup } from '../../harness/escalation.js';

const run = promisify(execFile);
const TARGET = 'web';
const IMAGE = 'example.test/web:1.0.0';
const DueSeconds = 24;
const ReminderSeconds = 12;

describe('postmortem: the P0/P1 post-mortem duty (operator process)', function () {
  let ns = '';
  let op: OperatorProcess;
  let receivers: Receivers;
  const name = 'checkout-p1';
  const canary = `CANARY-${randomBytes(6).toString('hex')}`;
  const leaseName = () => `${ns}-postmortem`;
  /** bin/kubectl-incident as a person runs it (admin kubeconfig, kubectl on PATH). */
  const plugin = async (...args: string[]) => {
    const { kubeconfig, binDir } = ensureCluster();
    return run(process.execPath, [join(repoRoot, 'bin/kubectl-incident'), ...args, '-n', ns], { env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `${binDir}:${process.env.PATH}` }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  };

  before(async () => {
    ns = await createTestNamespace('postmortem');
    await applyDeployment({ name: TARGET, namespace: ns, replicas: 2, image: IMAGE });
    await waitForHealthy(ns, TARGET, IMAGE);
    // Tier 1 is a webhook: the reminder goes to tier 1's chat and webhook targets.
    receivers = await startReceivers();
    await applyEscalationSetup(escalationSetup(ns, receivers, { tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['webhook'] }] }));
    op = startOperatorProcess({ namespaces: [ns], leaseName: leaseName(), env: {
      POSTMORTEM_DUE_SECONDS: String(DueSeconds), POSTMORTEM_REMINDER_SECONDS: String(ReminderSeconds), METRICS_HOST: '127.0.0.1', METRICS_PORT: '0',
    } });
    await op.waitForLog(/leading: workers started/);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(op.output().split('\n').slice(-30).join('\n'));
  });
  after(async () => {
    await op?.kill();
    await receivers?.close();
    if (ns) {
      await deleteLease(leaseName());
      await deleteNamespace(ns);
    }
  });

  it('resolves, PostmortemDue is True, and one reminder goes out at the reminder time', async () => {
    await createIncident({ name, namespace: ns, target: TARGET, severity: 'P1', summary: `checkout 503s for patient ${canary}` });
    const resolved = await waitForIncidentPhase(ns, name, 'Resolved', 90_000);
    const resolvedAt = Date.parse(resolved.status.resolvedAt);
    expect(resolvedAt).to.be.a('number').and.not.NaN;
    const pending = await waitFor('PostmortemDue=True', async () => {
      const i = await getIncident(ns, name);
      return condition(i, 'PostmortemDue')?.status === 'True' ? i : undefined;
    }, 30_000, 250);
    expect(condition(pending, 'PostmortemDue').message).to.equal(`post-mortem due by ${new Date(resolvedAt + DueSeconds * 1000).toISOString()}`);
    const reminded = await waitFor('the reminder', async () => {
      const i = await getIncident(ns, name);
      return (i.status.timeline ?? []).some((e: { type: string }) => e.type === 'PostmortemReminder') ? i : undefined;
    }, 60_000, 250);
    const entry = reminded.status.timeline.find((e: { type: string }) => e.type === 'PostmortemReminder');
    expect(Date.parse(entry.time), 'not before the reminder time').to.be.at.least(resolvedAt + ReminderSeconds * 1000);
    expect(condition(reminded, 'PostmortemDue').reason).to.equal('PostmortemReminderSent');
    await waitFor('the PostmortemReminder Event', async () => (await incidentEventReasons(ns, name)).includes('PostmortemReminder'), 30_000, 500);
    const sent = await waitFor('the reminder notification at the webhook', () => receivers.webhook.successful((r) => r.body?.kind === 'postmortem-reminder')[0], 30_000, 250);
    expect(sent.receivedAt.getTime(), 'not before the reminder time').to.be.at.least(resolvedAt + ReminderSeconds * 1000 - 1000);
    expect(sent.rawBody).to.not.include(canary);
  });

  it('kubectl incident postmortem prints the draft with the live incident\'s times and evidence, without the canary', async () => {
    const live = await getIncident(ns, name);
    const { stdout: md } = await plugin('postmortem', name);
    for (const heading of ['## Summary', '## Impact', '## Timeline', '## Evidence', '## What was automated', '## What people did', '## Follow-ups']) expect(md).to.include(heading);
    expect(md).to.include(`| Detected | ${live.status.openedAt} |`);
    expect(md).to.include(`| Resolved | ${live.status.resolvedAt} |`);
    expect(md).to.include(`resolved ${live.status.resolvedAt}`);
    expect(md).to.include('- [ ] Update the runbook (APIOutage)');
    expect(md).to.include(`**Due by ${new Date(Date.parse(live.status.resolvedAt) + 48 * 3600_000).toISOString()}**`);
    expect(live.status.diagnosis.summary).to.be.a('string');
    expect(md).to.include('- Diagnosis: ');
    expect(md).to.not.include(canary);
    const { stdout: html } = await plugin('postmortem', name, '-o', 'html');
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.include('data-label="Resolved"');
    expect(html).to.not.include(canary);
  });

  it('postmortem-done turns PostmortemDue False and no second reminder follows past the deadline', async () => {
    const { stdout } = await plugin('postmortem-done', name, '--link', 'https://wiki.example/postmortems/42', '--by', 'oncall-test');
    expect(stdout).to.match(/post-mortem marked done by oncall-test/);
    const done = await waitFor('PostmortemDue=False', async () => {
      const i = await getIncident(ns, name);
      return condition(i, 'PostmortemDue')?.status === 'False' ? i : undefined;
    }, 30_000, 250);
    expect(condition(done, 'PostmortemDue')).to.deep.include({ reason: 'PostmortemDone', message: 'post-mortem done (https://wiki.example/postmortems/42)' });
    const dueAt = Date.parse(done.status.resolvedAt) + DueSeconds * 1000;
    await waitFor('the deadline passed', () => Date.now() > dueAt + 2_000, 60_000, 500);
    const after = await getIncident(ns, name);
    expect(after.status.timeline.filter((e: { type: string }) => e.type === 'PostmortemReminder')).to.have.length(1);
    expect(condition(after, 'PostmortemDue').reason).to.equal('PostmortemDone');
    expect(receivers.webhook.successful((r) => r.body?.kind === 'postmortem-reminder'), 'one reminder notification').to.have.length(1);
  });

  it('the resolution is in the time-to-resolve histogram by severity', async () => {
    const metrics = await httpGet(`http://${await listenerAddress(op, 'metrics')}/metrics`);
    expect(metrics.body).to.match(/^incident_operator_time_to_resolve_seconds_count\{severity="P1"\} [1-9]/m);
    expect(metrics.body).to.match(/^process_resident_memory_bytes \d/m);
  });
});
