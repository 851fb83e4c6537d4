/**
 * A StatefulSet rollback undone while the operator monitors it (real API server and StatefulSet controller, kwok
 * pods, the operator as a process): good revision 1 → bad revision 2 → Incident → rolled back to revision 1 →
 * someone re-applies revision 2's template (a GitOps self-heal, a CI job). The Incident must say so and escalate
 * (RollbackReverted, naming the bad ControllerRevision), never roll back a second time (no fight, no loop), and
 * never resolve on the reverted workload.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { LAST_KNOWN_GOOD, ROLLBACK_HISTORY, waitForIncidentPhase, type Json } from '../../harness/rollout.js';
import { getJson } from '../../harness/cluster.js';
import { applyStatefulSet, createStatefulSetIncident, getStatefulSet, waitForStatefulSetCrashLoop, waitForStatefulSetHealthy } from '../../harness/statefulsets.js';

const V1 = 'example.test/ledger:1.0.0';
const V2 = 'example.test/ledger:2.0.0';
const name = 'ledger';
const CONSENT = { 'runbook.dev/remediation': 'enabled' };

describe('remediate: a StatefulSet rollback reverted while monitoring (operator process)', function () {
  this.timeout(300_000);
  let ns: string;
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    ns = await createTestNamespace('sts-revert');
    // A monitoring window long enough to revert the rollback inside it.
    op = startOperatorProcess({ namespaces: [ns], env: { MONITOR_WINDOW_SECONDS: '120' } });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    if (ns) await deleteNamespace(ns);
  });

  it('escalates RollbackReverted when the bad template comes back, and does not roll back again', async () => {
    await applyStatefulSet({ name, namespace: ns, image: V1, replicas: 1, labels: { ...CONSENT } });
    const good = await waitForStatefulSetHealthy(ns, name, V1);
    const hash = String(good.sts.status.updateRevision).slice(name.length + 1);
    await waitFor('revision 1 recorded as last known good', async () => {
      const raw = (await getStatefulSet(ns, name)).metadata?.annotations?.[LAST_KNOWN_GOOD];
      return raw && JSON.parse(raw).templateHash === hash ? raw : undefined;
    }, 60_000, 300);
    await applyStatefulSet({ name, namespace: ns, image: V2, replicas: 1, crashLoop: true, labels: { ...CONSENT } });
    await waitForStatefulSetCrashLoop(ns, name, V2);
    const badRevision: string = (await getStatefulSet(ns, name)).status.updateRevision;

    await createStatefulSetIncident(ns, 'ledger-down', name);
    await waitForIncidentPhase(ns, 'ledger-down', 'Monitoring', 120_000);
    await waitForStatefulSetHealthy(ns, name, V1);

    // The bad template is applied again, as a self-healing GitOps controller would.
    await applyStatefulSet({ name, namespace: ns, image: V2, replicas: 1, crashLoop: true, labels: { ...CONSENT } });
    const escalated = await waitForIncidentPhase(ns, 'ledger-down', 'Escalated', 90_000);
    const timeline = escalated.status.timeline as Json[];
    const reasons = timeline.map((t) => t.reason);
    // Monitoring ended by the revert itself (the phase transition names it), after the one rollback.
    expect(reasons.indexOf('RollbackReverted'), reasons.join(' ')).to.be.greaterThan(reasons.indexOf('RolledBack'));
    const transition = timeline.find((t) => t.reason === 'RollbackReverted');
    expect(transition?.phase ?? 'Escalated').to.equal('Escalated');
    const message = transition?.message as string;
    expect(message).to.include(`bad ControllerRevision ${badRevision}`).and.include('not rolling back again');

    // No second rollback: the template stays the bad one, one rollback on record, and it stays escalated.
    await new Promise((r) => setTimeout(r, 5_000));
    const sts = await getStatefulSet(ns, name);
    expect(sts.spec.template.spec.containers[0].image).to.equal(V2);
    expect(JSON.parse(sts.metadata.annotations[ROLLBACK_HISTORY])).to.have.length(1);
    const after = await getJson<Json>(['get', 'incident', 'ledger-down', '-n', ns]);
    expect(after.status.phase).to.equal('Escalated');
  });
});
