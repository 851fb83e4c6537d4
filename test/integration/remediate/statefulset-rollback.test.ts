/**
 * StatefulSet targets end to end (issue 15), real API server and StatefulSet controller (kwok pods), real operator
 * process: good (revision 1 healthy) → bad (revision 2 crash-looping) → an Incident with rollback policy Automatic
 * → rolled back to revision 1's ControllerRevision (the template, the record on the StatefulSet, status, timeline,
 * Events) and resolved; a partitioned rollout and an OnDelete StatefulSet → refused with the reason, nothing patched.
 * An opted-in StatefulSet (runbook.dev/auto-rollback) gets its crash-loop Incident from the operator itself.
 * Each case in its own namespace.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { CRASHLOOP_LABEL, LAST_KNOWN_GOOD, OPT_IN, ROLLBACK_HISTORY, ROLLED_BACK_BY, listIncidents, orderedIndices, summariseIncident, timelineTypes, waitForIncidentPhase, type Json } from '../../harness/rollout.js';
import {
  applyStatefulSet, controllerRevisions, createStatefulSetIncident, getStatefulSet, incidentEvents, statefulSetPods,
  waitForStatefulSetCrashLoop, waitForStatefulSetHealthy,
} from '../../harness/statefulsets.js';

const V1 = 'example.test/db:1.0.0';
const V2 = 'example.test/db:2.0.0';
const name = 'db';
// Consent to remediation without the crash-loop detector's opt-in: these Incidents are opened by a person (the test).
const CONSENT = { 'runbook.dev/remediation': 'enabled' };

describe('remediate: StatefulSet rollback (operator process)', function () {
  let nsRollback: string;
  let nsPartition: string;
  let nsOnDelete: string;
  let nsDetect: string;
  let op: OperatorProcess;

  before(async () => {
    nsRollback = await createTestNamespace('sts-rollback');
    nsPartition = await createTestNamespace('sts-partition');
    nsOnDelete = await createTestNamespace('sts-ondelete');
    nsDetect = await createTestNamespace('sts-detect');
    op = startOperatorProcess({ namespaces: [nsRollback, nsPartition, nsOnDelete, nsDetect] });
    await op.waitForLog(/leading: workers started/, 60_000);
  });

  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    for (const ns of [nsRollback, nsPartition, nsOnDelete, nsDetect]) if (ns) await deleteNamespace(ns);
  });

  it('rolls a crash-looping revision back to the ControllerRevision recorded healthy, and resolves', async () => {
    const ns = nsRollback;
    await applyStatefulSet({ name, namespace: ns, image: V1, replicas: 2, labels: { ...CONSENT } });
    const good = await waitForStatefulSetHealthy(ns, name, V1);
    const goodRevision: string = good.sts.status.updateRevision;
    // Healthy for the stable window: the operator records revision 1 as known good (its ControllerRevision's hash).
    const hash = goodRevision.slice(name.length + 1);
    await waitFor('revision 1 recorded as last known good', async () => {
      const raw = (await getStatefulSet(ns, name)).metadata?.annotations?.[LAST_KNOWN_GOOD];
      return raw && JSON.parse(raw).templateHash === hash && JSON.parse(raw).revision === 1 ? raw : undefined;
    }, 60_000, 300);
    await applyStatefulSet({ name, namespace: ns, image: V2, replicas: 2, crashLoop: true, labels: { ...CONSENT } });
    // The rollout replaces the highest ordinal first; it crash-loops, the rollout stalls with db-0 healthy on revision 1.
    await waitForStatefulSetCrashLoop(ns, name, V2);
    const bad = await getStatefulSet(ns, name);
    const badRevision: string = bad.status.updateRevision;
    expect(badRevision).to.not.equal(goodRevision);
    expect((await controllerRevisions(ns, name)).get(badRevision)).to.equal(2);

    await createStatefulSetIncident(ns, 'db-down', name);
    const resolved = await waitForIncidentPhase(ns, 'db-down', 'Resolved', 120_000);

    // The template is revision 1's again; the patch recorded the rollback on the StatefulSet itself.
    const sts = await getStatefulSet(ns, name);
    expect(sts.spec.template.spec.containers[0].image).to.equal(V1);
    expect(sts.spec.template.metadata.labels?.[CRASHLOOP_LABEL]).to.equal(undefined);
    expect(sts.status.updateRevision, 'revision 1\'s ControllerRevision reused').to.equal(goodRevision);
    expect(sts.metadata.annotations[ROLLED_BACK_BY]).to.equal(`${resolved.metadata.uid}/r1`);
    expect(JSON.parse(sts.metadata.annotations[ROLLBACK_HISTORY])).to.have.length(1);
    const healthy = await waitForStatefulSetHealthy(ns, name, V1);
    for (const p of healthy.pods) expect(p.metadata.labels['controller-revision-hash']).to.equal(goodRevision);

    // Status: the diagnosis by ControllerRevision, the rule that chose the target, the outcome.
    const summary = JSON.stringify(summariseIncident(resolved));
    const history = resolved.status.diagnosis.history;
    expect(history.currentRevision, summary).to.equal(2);
    expect(history.lastKnownGood).to.include({ revision: 1, source: 'Recorded', controllerRevision: goodRevision, templateHash: hash });
    expect(history.revisions.map((r: Json) => [r.revision, r.controllerRevision, r.images[0]])).to.deep.equal([[2, badRevision, V2], [1, goodRevision, V1]]);
    expect(resolved.status.diagnosis.pods.byRevision.find((r: Json) => r.revision === 2)).to.include({ crashLooping: 1 });
    expect(resolved.status.remediation, summary).to.include({ state: 'Succeeded', action: 'Rollback', reason: 'RolledBack', fromRevision: 2, toRevision: 1 });
    expect(resolved.status.remediation.statefulSet).to.deep.include({ fromControllerRevision: badRevision, toControllerRevision: goodRevision, knownGoodRule: 'Recorded' });
    expect(resolved.status.remediation.statefulSet.restartedPods, 'the broken pod was restarted (forced rollback)').to.deep.equal([`${name}-1`]);
    expect(resolved.status.phaseReason).to.equal('RecoveredAfterRemediation');

    const types = timelineTypes(resolved);
    const idx = orderedIndices(types, ['Diagnosed', 'RemediationProposed', 'RollbackIntended', 'PhaseMonitoring', 'PhaseResolved']);
    expect(idx.every((i) => i >= 0), `timeline in order: ${types.join(' → ')}`).to.equal(true);
    expect(types.filter((t) => t === 'RollbackIntended'), 'one rollback intent').to.have.length(1);

    const events = await incidentEvents(ns, 'db-down');
    expect(events.map((e: Json) => e.reason), JSON.stringify(events.map((e: Json) => e.reason))).to.include.members(['RollbackIntended', 'RolledBack']);
  });

  it('refuses a partitioned rollout (partition > 0) with StatefulSetPartitioned, escalates, and patches nothing', async () => {
    const ns = nsPartition;
    await applyStatefulSet({ name, namespace: ns, image: V1, replicas: 3, labels: { ...CONSENT } });
    await waitForStatefulSetHealthy(ns, name, V1);
    // A staged rollout: only ordinals >= 2 get revision 2.
    await applyStatefulSet({ name, namespace: ns, image: V2, replicas: 3, crashLoop: true, partition: 2, labels: { ...CONSENT } });
    await waitForStatefulSetCrashLoop(ns, name, V2);
    const before = await getStatefulSet(ns, name);

    await createStatefulSetIncident(ns, 'db-canary', name);
    const escalated = await waitForIncidentPhase(ns, 'db-canary', 'Escalated', 90_000);
    const summary = JSON.stringify(summariseIncident(escalated));
    expect(escalated.status.phaseReason, summary).to.equal('RollbackRefused');
    expect(escalated.status.remediation).to.include({ state: 'Refused', action: 'Rollback', reason: 'StatefulSetPartitioned' });
    expect(String(escalated.status.remediation.message)).to.include('partition is 2');
    expect(timelineTypes(escalated)).to.include('RollbackRefused').and.not.include('RollbackIntended');

    const after = await getStatefulSet(ns, name);
    expect(after.metadata.generation, 'nothing patched the StatefulSet').to.equal(before.metadata.generation);
    expect(after.spec.template.spec.containers[0].image).to.equal(V2);
    expect(after.metadata.annotations?.[ROLLED_BACK_BY]).to.equal(undefined);
    expect((await statefulSetPods(ns, name)).map((p) => p.metadata.name).sort()).to.deep.equal(['db-0', 'db-1', 'db-2']);

    const warnings = (await incidentEvents(ns, 'db-canary')).filter((e: Json) => e.type === 'Warning').map((e: Json) => e.reason);
    expect(warnings, JSON.stringify(warnings)).to.include('StatefulSetPartitioned');
  });

  it('refuses an OnDelete StatefulSet with StatefulSetOnDelete and patches nothing', async () => {
    const ns = nsOnDelete;
    await applyStatefulSet({ name, namespace: ns, image: V1, replicas: 2, onDelete: true, labels: { ...CONSENT } });
    await waitForStatefulSetHealthy(ns, name, V1);
    await applyStatefulSet({ name, namespace: ns, image: V2, replicas: 2, crashLoop: true, onDelete: true, labels: { ...CONSENT } });
    // OnDelete: a pod takes the new revision only when deleted.
    const del = await kubectl(['delete', 'pod', `${name}-1`, '-n', ns, '--wait=false']);
    expect(del.code, del.stderr).to.equal(0);
    await waitForStatefulSetCrashLoop(ns, name, V2);
    const before = await getStatefulSet(ns, name);

    await createStatefulSetIncident(ns, 'db-ondelete', name);
    const escalated = await waitForIncidentPhase(ns, 'db-ondelete', 'Escalated', 90_000);
    expect(escalated.status.remediation, JSON.stringify(summariseIncident(escalated))).to.include({ state: 'Refused', reason: 'StatefulSetOnDelete' });
    expect(timelineTypes(escalated)).to.not.include('RollbackIntended');
    const after = await getStatefulSet(ns, name);
    expect(after.metadata.generation).to.equal(before.metadata.generation);
    expect(after.metadata.annotations?.[ROLLED_BACK_BY]).to.equal(undefined);
  });

  it('opens a CrashLoop Incident for an opted-in StatefulSet by itself, and that Incident rolls it back', async () => {
    const ns = nsDetect;
    await applyStatefulSet({ name, namespace: ns, image: V1, replicas: 2, labels: { ...OPT_IN } });
    const good = await waitForStatefulSetHealthy(ns, name, V1);
    expect(await listIncidents(ns), 'a healthy StatefulSet opens nothing').to.deep.equal([]);
    await applyStatefulSet({ name, namespace: ns, image: V2, replicas: 2, crashLoop: true, labels: { ...OPT_IN } });
    const incident = await waitFor('the operator\'s Incident for the StatefulSet', async () => (await listIncidents(ns, `runbook.dev/statefulset=${name}`))[0], 60_000, 300);
    expect(incident.metadata.name).to.equal(`crashloop-sts-${name}-r2`);
    expect(incident.spec).to.deep.include({ runbook: 'CrashLoop', target: { kind: 'StatefulSet', name } });
    const resolved = await waitForIncidentPhase(ns, incident.metadata.name, 'Resolved', 120_000);
    expect(resolved.status.remediation, JSON.stringify(summariseIncident(resolved))).to.include({ state: 'Succeeded', fromRevision: 2, toRevision: 1 });
    expect(resolved.status.remediation.statefulSet.toControllerRevision).to.equal(good.sts.status.updateRevision);
    expect(timelineTypes(resolved)[0]).to.equal('Detected');
    await waitForStatefulSetHealthy(ns, name, V1);
    expect(await listIncidents(ns), 'exactly one Incident').to.have.length(1);
  });
});
