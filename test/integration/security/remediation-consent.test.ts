/**
 * Who may make the operator act, with hand-written Incidents on the real control plane (operator process under
 * its ServiceAccount): only a target whose owner opted in is acted on; everything else is diagnosed and
 * escalated, and the Deployment's revision afterwards proves nothing was patched. No rollback to a revision that
 * was never recorded healthy unless spec.rollback.allowUnverified; spec.rollback.toRevision must exist and be
 * recorded healthy.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, deleteNamespace, kubectl } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { deleteLease } from '../../harness/operator-observe.js';
import { createIncident, getIncident, sleep, waitForIncidentPhase, type Json } from '../../harness/rollout.js';
import { OPT_IN_REMEDIATION, provenThenBroken, revisionAndImage, unprovenThenBroken, type BrokenTarget } from '../../harness/consent-fixtures.js';

describe('security: remediation needs the owner\'s consent (operator process)', function () {
  // One namespace per target: several crash-looping Deployments in one namespace read as a shared cause.
  const nsOf: Record<string, string> = {};
  let op: OperatorProcess | undefined;
  let failed = false;
  const lease = () => `${nsOf.optedIn}-consent`;
  const t: Record<string, BrokenTarget> = {};
  const keys = ['noLkg', 'noLkgAllowed', 'toRev', 'optedIn', 'unlabeled', 'optedOut'] as const;
  let unwatched: string;
  // A Deployment of ours in kube-system (watched on purpose here): protected even when labelled and watched.
  const kubeSystemTarget = `sec-consent-${randomBytes(3).toString('hex')}`;

  before(async () => {
    try {
      for (const k of keys) nsOf[k] = await createTestNamespace('sec-consent');
      unwatched = await createTestNamespace('sec-consent-unwatched', OPT_IN_REMEDIATION);
      // Unproven targets first, before any operator runs: nothing records their healthy revisions.
      [t.noLkg, t.noLkgAllowed, t.toRev] = await Promise.all([
        unprovenThenBroken(nsOf.noLkg!, 'no-lkg', OPT_IN_REMEDIATION),
        unprovenThenBroken(nsOf.noLkgAllowed!, 'no-lkg-allowed', OPT_IN_REMEDIATION),
        unprovenThenBroken(nsOf.toRev!, 'to-rev', OPT_IN_REMEDIATION, 1),
        unprovenThenBroken(unwatched, 'unwatched', OPT_IN_REMEDIATION).then((x) => { t.unwatched = x; }),
        unprovenThenBroken('kube-system', kubeSystemTarget, OPT_IN_REMEDIATION).then((x) => { t.kubeSystem = x; }),
      ]);
      op = startOperatorProcess({ namespaces: [...Object.values(nsOf), 'kube-system'], leaseName: lease() });
      await op.waitForLog(/leading: workers started/);
      [t.optedIn, t.unlabeled, t.optedOut] = await Promise.all([
        provenThenBroken(nsOf.optedIn!, 'opted-in', OPT_IN_REMEDIATION),
        provenThenBroken(nsOf.unlabeled!, 'unlabeled', {}, { recorded: false }),
        provenThenBroken(nsOf.optedOut!, 'opted-out', { 'runbook.dev/remediation': 'disabled' }, { recorded: false }),
      ]);
    } catch (e) { failed = true; throw e; }
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed);
    if (nsOf.optedIn) await deleteLease(lease());
    for (const n of Object.values(nsOf)) await deleteNamespace(n);
    if (unwatched) await deleteNamespace(unwatched);
    await kubectl(['delete', 'incidents.runbook.dev', 'kube-system-target', '-n', 'kube-system', '--ignore-not-found']);
    await kubectl(['delete', 'deployment', kubeSystemTarget, '-n', 'kube-system', '--ignore-not-found', '--wait=false']);
  });

  async function expectUntouched(ns: string, target: BrokenTarget, revision = 2): Promise<void> {
    await sleep(1500); // a late patch would land by now
    const after = await revisionAndImage(ns, target.name);
    expect(after.revision, `${target.name} revision`).to.equal(revision);
    expect(after.image, `${target.name} image`).to.equal(target.bad);
    expect(after.deployment.metadata.annotations?.['runbook.dev/rollback-history'], 'no rollback recorded').to.equal(undefined);
  }

  it('an opted-in Deployment (runbook.dev/remediation=enabled) is rolled back to its last known good', async () => {
    await createIncident({ name: 'opted-in', namespace: nsOf.optedIn!, target: t.optedIn!.name });
    const inc = await waitForIncidentPhase(nsOf.optedIn!, 'opted-in', ['Monitoring', 'Resolved'], 60_000);
    expect(inc.status.remediation).to.include({ state: 'Succeeded', toRevision: 1 });
    const after = await revisionAndImage(nsOf.optedIn!, t.optedIn!.name);
    expect(after.revision).to.equal(3);
    expect(after.image).to.equal(t.optedIn!.good);
  });

  it('a Deployment without the label is diagnosed and escalated with RemediationNotPermitted, never patched', async () => {
    await createIncident({ name: 'unlabeled', namespace: nsOf.unlabeled!, target: t.unlabeled!.name });
    const inc: Json = await waitForIncidentPhase(nsOf.unlabeled!, 'unlabeled', 'Escalated', 60_000);
    expect(inc.status.diagnosis.proposal.action, 'still diagnosed: the rollback is what it would do').to.equal('Rollback');
    expect(inc.status.remediation.reason).to.equal('RemediationNotPermitted');
    expect(inc.status.remediation.message).to.include('runbook.dev/remediation=enabled');
    expect(inc.status.phaseReason).to.be.a('string');
    await expectUntouched(nsOf.unlabeled!, t.unlabeled!);
  });

  it('a Deployment that opted out (runbook.dev/remediation=disabled) is never patched', async () => {
    await createIncident({ name: 'opted-out', namespace: nsOf.optedOut!, target: t.optedOut!.name });
    const inc: Json = await waitForIncidentPhase(nsOf.optedOut!, 'opted-out', 'Escalated', 60_000);
    expect(inc.status.remediation.reason).to.equal('RemediationNotPermitted');
    expect(inc.status.remediation.message).to.include('opted out');
    await expectUntouched(nsOf.optedOut!, t.optedOut!);
  });

  it('without a recorded last known good the rollback is refused (UnverifiedRevision) and escalated', async () => {
    await createIncident({ name: 'no-lkg', namespace: nsOf.noLkg!, target: t.noLkg!.name });
    const inc: Json = await waitForIncidentPhase(nsOf.noLkg!, 'no-lkg', 'Escalated', 60_000);
    expect(inc.status.diagnosis.history.lastKnownGood.source).to.equal('PreviousRevisionFallback');
    expect(inc.status.remediation).to.include({ state: 'Refused', reason: 'UnverifiedRevision' });
    expect(inc.status.remediation.message).to.include('allowUnverified');
    await expectUntouched(nsOf.noLkg!, t.noLkg!);
  });

  it('spec.rollback.allowUnverified: true allows the previous revision', async () => {
    await createIncident({ name: 'no-lkg-allowed', namespace: nsOf.noLkgAllowed!, target: t.noLkgAllowed!.name, rollback: { policy: 'Automatic', allowUnverified: true } as never });
    const inc = await waitForIncidentPhase(nsOf.noLkgAllowed!, 'no-lkg-allowed', ['Monitoring', 'Resolved'], 60_000);
    expect(inc.status.remediation).to.include({ state: 'Succeeded', toRevision: 1 });
    const after = await revisionAndImage(nsOf.noLkgAllowed!, t.noLkgAllowed!.name);
    expect([after.revision, after.image]).to.deep.equal([3, t.noLkgAllowed!.good]);
  });

  it('spec.rollback.toRevision of a revision never recorded healthy is refused', async () => {
    await createIncident({ name: 'to-rev-unrecorded', namespace: nsOf.toRev!, target: t.toRev!.name, rollback: { toRevision: 1 } });
    const inc: Json = await waitForIncidentPhase(nsOf.toRev!, 'to-rev-unrecorded', 'Escalated', 60_000);
    expect(inc.status.remediation).to.include({ state: 'Refused', reason: 'UnverifiedRevision' });
    expect(inc.status.remediation.message).to.include('spec.rollback.toRevision 1');
    await expectUntouched(nsOf.toRev!, t.toRev!);
  });

  it('a hand-written Incident in kube-system (watched, Deployment labelled) is refused: ProtectedNamespace, never patched', async () => {
    await createIncident({ name: 'kube-system-target', namespace: 'kube-system', target: kubeSystemTarget, rollback: { allowUnverified: true } });
    const inc: Json = await waitForIncidentPhase('kube-system', 'kube-system-target', 'Escalated', 60_000);
    expect(inc.status.remediation.reason).to.equal('RemediationNotPermitted');
    expect(inc.status.remediation.consent).to.include({ permitted: false, reason: 'ProtectedNamespace' });
    await expectUntouched('kube-system', t.kubeSystem!);
  });

  it('a hand-written Incident in an unwatched namespace is not even reconciled, the labelled Deployment never patched', async () => {
    await createIncident({ name: 'unwatched', namespace: unwatched, target: t.unwatched!.name, rollback: { allowUnverified: true } });
    await sleep(4000);
    const inc = await getIncident(unwatched, 'unwatched');
    expect(inc.status, 'no status: the operator does not look outside WATCH_NAMESPACES').to.equal(undefined);
    await expectUntouched(unwatched, t.unwatched!);
  });

  it('spec.rollback.toRevision of a revision that does not exist is refused, even with allowUnverified', async () => {
    await createIncident({ name: 'to-rev-missing', namespace: nsOf.toRev!, target: t.toRev!.name, rollback: { toRevision: 7, allowUnverified: true } });
    const inc: Json = await waitForIncidentPhase(nsOf.toRev!, 'to-rev-missing', 'Escalated', 60_000);
    expect(inc.status.remediation.state).to.equal('Refused');
    expect(inc.status.remediation.reason).to.be.oneOf(['RevisionNotFound']);
    await expectUntouched(nsOf.toRev!, t.toRev!);
  });
});
