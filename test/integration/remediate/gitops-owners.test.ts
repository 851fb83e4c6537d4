/**
 * Rollback by manifest owner (issue 15), against the real API server and operator process, with minimal test
 * CRDs for Argo CD's Application and Flux's Kustomization (test/fixtures/crds/). The operator runs opted in
 * (ROLLBACK_ARGOCD=SuspendAutoSync, ROLLBACK_FLUX=Suspend, plus RBAC on those objects, the opt-in's second half);
 * a Deployment annotated runbook.dev/owner-rollback=Instruct gets the safe default (refuse + instruct).
 * A simulated self-heal re-applies the bad template right after the rollback: the operator escalates, once.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, getJson, kubectl, waitFor } from '../../harness/cluster.js';
import { application, applyJson as apply, argoOwned, grantGitOpsRbac, installGitOpsCrds, revokeGitOpsRbac } from '../../harness/gitops-owners.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import {
  applyDeployment, badRollout, createIncident, getDeployment, getIncident, imageOf, sleep, summariseIncident,
  templateHasCrashLoop, timelineTypes, waitForHealthy, waitForIncidentPhase, type Json,
} from '../../harness/rollout.js';

const GOOD = 'example.test/api:1.0.0';
const BAD = 'example.test/api:2.0.0';
const RBAC_NAME = 'incident-operator-gitops-owners-test';
const CONSENT = { 'runbook.dev/remediation': 'enabled' };

describe('remediate: rollback by manifest owner (Argo CD, Flux) and maintenance windows (operator process)', function () {
  const ns = { argo: '', instruct: '', suspend: '', flux: '', selfHeal: '', window: '' };
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    await installGitOpsCrds();
    await grantGitOpsRbac(RBAC_NAME, ['applications', 'kustomizations']);
    ns.argo = await createTestNamespace('own-argocd');
    ns.instruct = await createTestNamespace('own-instruct', CONSENT);
    ns.suspend = await createTestNamespace('own-suspend', CONSENT);
    ns.flux = await createTestNamespace('own-flux', CONSENT);
    ns.selfHeal = await createTestNamespace('own-selfheal', CONSENT);
    ns.window = await createTestNamespace('maint-window', CONSENT);
    op = startOperatorProcess({
      namespaces: [ns.instruct, ns.suspend, ns.flux, ns.selfHeal, ns.window],
      env: { ROLLBACK_ARGOCD: 'SuspendAutoSync', ROLLBACK_FLUX: 'Suspend', ARGOCD_NAMESPACE: ns.argo, ROLLBACK_RATE_LIMIT_MAX: '5', ROLLBACK_ALLOW_UNVERIFIED: 'true' },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    await revokeGitOpsRbac(RBAC_NAME);
    for (const n of Object.values(ns)) if (n) await deleteNamespace(n);
  });

  it('Argo CD, default (Instruct): refused, the instruction names the Application and the Git revision; nothing patched', async () => {
    const n = ns.instruct;
    const annotations = { ...argoOwned('shop-api', n, 'api'), 'runbook.dev/owner-rollback': 'Instruct' };
    await badRollout({ name: 'api', namespace: n, replicas: 2, good: GOOD, bad: BAD, annotations });
    const badRs = (await getJson(['get', 'rs', '-n', n, '-l', 'app=api', '-o', 'json'])).items.find((rs: Json) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '2');
    const badAt = Date.parse(badRs.metadata.creationTimestamp);
    await application(ns.argo, 'shop-api', { selfHeal: true }, [
      { id: 7, revision: 'c0ffee1', deployedAt: new Date(badAt - 60_000).toISOString() },
      { id: 8, revision: 'badbad2', deployedAt: new Date(badAt).toISOString() },
    ]);
    await createIncident({ name: 'outage', namespace: n, target: 'api' });

    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 60_000);
    expect(inc.status.phaseReason, JSON.stringify(summariseIncident(inc))).to.equal('RollbackRefused');
    expect(inc.status.diagnosis.owner).to.include({ kind: 'ArgoCD', name: 'shop-api', namespace: ns.argo });
    expect(inc.status.remediation).to.include({ state: 'Refused', reason: 'RollbackOwnedByGitOps', toRevision: 1 });
    expect(inc.status.remediation.message).to.include(`${ns.argo}/shop-api`).and.include('c0ffee1').and.include('argocd app rollback shop-api 7');
    expect(timelineTypes(inc)).to.not.include('RollbackIntended');
    const d = await getDeployment(n, 'api');
    expect(imageOf(d)).to.equal(BAD);
    const app = await getJson(['get', 'applications.argoproj.io', 'shop-api', '-n', ns.argo, '-o', 'json']);
    expect(app.spec.syncPolicy.automated).to.deep.equal({ selfHeal: true });
  });

  it('Argo CD, opted in (SuspendAutoSync): auto-sync off with the previous value recorded, rolled back, restored on resolve', async () => {
    const n = ns.suspend;
    await application(ns.argo, 'cart', { selfHeal: true, prune: true });
    await badRollout({ name: 'api', namespace: n, replicas: 2, good: GOOD, bad: BAD, annotations: argoOwned('cart', n, 'api') });
    await createIncident({ name: 'outage', namespace: n, target: 'api' });

    const during = await waitFor('the Application is suspended', async () => {
      const app = await getJson(['get', 'applications.argoproj.io', 'cart', '-n', ns.argo, '-o', 'json']);
      return app.spec.syncPolicy?.automated === undefined ? app : undefined;
    }, 60_000, 200);
    expect(during.spec.syncPolicy?.automated).to.equal(undefined);
    await waitForHealthy(n, 'api', GOOD);
    const resolved = await waitForIncidentPhase(n, 'outage', 'Resolved', 60_000);
    expect(resolved.status.remediation).to.include({ state: 'Succeeded', toRevision: 1 });
    expect(resolved.status.remediation.gitops).to.include({ kind: 'Application', name: 'cart', namespace: ns.argo, field: 'spec.syncPolicy.automated' });
    expect(JSON.parse(resolved.status.remediation.gitops.previous)).to.deep.equal({ selfHeal: true, prune: true });
    expect(resolved.status.remediation.gitops.suspendedAt).to.be.a('string');
    const restored = await waitFor('automated restored', async () => (await getIncident(n, 'outage')).status.remediation.gitops?.restoredAt ? true : undefined, 30_000, 300);
    expect(restored).to.equal(true);
    const app = await getJson(['get', 'applications.argoproj.io', 'cart', '-n', ns.argo, '-o', 'json']);
    expect(app.spec.syncPolicy.automated).to.deep.equal({ selfHeal: true, prune: true });
    const types = timelineTypes(await getIncident(n, 'outage'));
    expect(types).to.include('GitOpsSuspended').and.include('GitOpsRestored');
    expect(types.indexOf('RollbackIntended')).to.be.lessThan(types.indexOf('GitOpsSuspended'));
  });

  it('Flux: Instruct names the Kustomization; Suspend sets spec.suspend and restores false on resolve', async () => {
    const n = ns.flux;
    await apply({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: n }, spec: { suspend: false, path: './apps' } });
    const labels = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': n };
    await badRollout({ name: 'told', namespace: n, replicas: 1, good: GOOD, bad: BAD, labels, annotations: { 'runbook.dev/owner-rollback': 'Instruct' } });
    await badRollout({ name: 'api', namespace: n, replicas: 1, good: GOOD, bad: BAD, labels });
    await createIncident({ name: 'told', namespace: n, target: 'told' });
    await createIncident({ name: 'outage', namespace: n, target: 'api' });

    const told = await waitForIncidentPhase(n, 'told', 'Escalated', 60_000);
    expect(told.status.remediation, JSON.stringify(summariseIncident(told))).to.include({ state: 'Refused', reason: 'RollbackOwnedByGitOps' });
    expect(told.status.remediation.message).to.include(`flux suspend kustomization apps -n ${n}`);
    expect(imageOf(await getDeployment(n, 'told'))).to.equal(BAD);

    await waitForHealthy(n, 'api', GOOD);
    await waitForIncidentPhase(n, 'outage', 'Resolved', 60_000);
    const done = await waitFor('suspend restored', async () => { const i = await getIncident(n, 'outage'); return i.status.remediation.gitops?.restoredAt ? i : undefined; }, 30_000, 300);
    expect(done.status.remediation.gitops).to.include({ kind: 'Kustomization', field: 'spec.suspend', previous: 'false' });
    const ks = await getJson(['get', 'kustomizations.kustomize.toolkit.fluxcd.io', 'apps', '-n', n, '-o', 'json']);
    expect(ks.spec.suspend).to.equal(false);
  });

  it('a simulated self-heal re-applies the bad template after the rollback: escalated with the evidence, rolled back once, never again', async () => {
    const n = ns.selfHeal;
    await application(ns.argo, 'orders', { selfHeal: true });
    const annotations = argoOwned('orders', n, 'api');
    await badRollout({ name: 'api', namespace: n, replicas: 2, good: GOOD, bad: BAD, annotations });
    await createIncident({ name: 'outage', namespace: n, target: 'api' });
    // The "controller": as soon as the rollback lands, put the bad template back.
    await waitFor('the rollback lands', async () => imageOf(await getDeployment(n, 'api')) === GOOD, 60_000, 100);
    await applyDeployment({ name: 'api', namespace: n, replicas: 2, image: BAD, crashLoop: true, annotations });

    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 60_000);
    expect(inc.status.phaseReason, JSON.stringify(summariseIncident(inc))).to.equal('RollbackReverted');
    const entry = inc.status.timeline.find((e: Json) => e.reason === 'RollbackReverted');
    expect(entry?.message, JSON.stringify(inc.status.timeline)).to.include('bad template').and.include(inc.status.remediation.fromTemplateHash).and.include(`${ns.argo}/orders`);
    await sleep(5000);
    const later = await getIncident(n, 'outage');
    expect(later.status.phase).to.equal('Escalated');
    expect(timelineTypes(later).filter((t) => t === 'RollbackIntended')).to.have.length(1);
    const d = await getDeployment(n, 'api');
    expect(imageOf(d)).to.equal(BAD);
    expect(templateHasCrashLoop(d)).to.equal(true);
    // Still suspended (the incident is not resolved): nothing re-enables self-heal behind the people's back.
    expect(later.status.remediation.gitops.restoredAt).to.equal(undefined);
  });

  it('a maintenance window (Namespace annotation) suppresses rollback and paging, visibly; afterwards the open incident proceeds', async () => {
    const n = ns.window;
    const freeze = async (start: Date, end: Date) => {
      const windows = JSON.stringify([{ name: 'release freeze', start: start.toISOString(), end: end.toISOString() }]);
      const a = await kubectl(['annotate', 'namespace', n, `runbook.dev/maintenance-windows=${windows}`, '--overwrite']);
      expect(a.code, a.stderr).to.equal(0);
    };
    // The freeze is on the Namespace during the whole bad rollout, so the operator's namespace cache has it when the
    // Incident opens (a 1 s sleep raced the informer on a loaded machine: the rollback went ahead unsuppressed).
    await freeze(new Date(Date.now() - 1000), new Date(Date.now() + 600_000));
    await badRollout({ name: 'api', namespace: n, replicas: 1, good: GOOD, bad: BAD });
    // Then its real end, 25 s from now; a cache still holding the longer window suppresses too and re-checks within 30 s.
    const end = new Date(Date.now() + 25_000);
    await freeze(new Date(Date.now() - 1000), end);
    await createIncident({ name: 'outage', namespace: n, target: 'api', severity: 'P1' });

    const held = await waitFor('suppressed by the window', async () => {
      const i = await getIncident(n, 'outage');
      return i.status?.conditions?.find((c: Json) => c.type === 'MaintenanceWindow' && c.status === 'True') ? i : undefined;
    }, 30_000, 300);
    expect(Date.now(), 'still inside the window when checked').to.be.below(end.getTime());
    expect(held.status.diagnosis?.proposal?.action, JSON.stringify(summariseIncident(held))).to.equal('Rollback');
    expect(timelineTypes(held)).to.include('ActionSuppressed').and.not.include('RollbackIntended').and.not.include('Notified');
    expect(held.status.timeline.find((e: Json) => e.type === 'ActionSuppressed').message).to.include('release freeze').and.include('no paging');
    const events = await getJson(['get', 'events', '-n', n, '--field-selector', 'reason=MaintenanceWindowActive', '-o', 'json']);
    expect(events.items.length, 'Event MaintenanceWindowActive').to.be.at.least(1);
    expect(imageOf(await getDeployment(n, 'api'))).to.equal(BAD);

    // After the window: the still-open incident proceeds (rolled back, and paged as usual).
    await waitFor('rolled back after the window', async () => imageOf(await getDeployment(n, 'api')) === GOOD, 60_000, 300);
    expect(Date.now()).to.be.at.least(end.getTime());
    const after = await getIncident(n, 'outage');
    const types = timelineTypes(after);
    expect(types.indexOf('MaintenanceWindowEnded')).to.be.greaterThan(types.indexOf('ActionSuppressed'));
    expect(types.indexOf('RollbackIntended')).to.be.greaterThan(types.indexOf('MaintenanceWindowEnded'));
  });
});
