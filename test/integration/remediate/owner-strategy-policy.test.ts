/**
 * The owner rollback strategy per EscalationPolicy (issue 15: "configurable per policy"), against the real API server
 * and operator process. The operator config says Instruct (ROLLBACK_ARGOCD=Instruct, ROLLBACK_FLUX unset); the
 * namespace's `default` EscalationPolicy opts in with spec.ownerRollback. Argo CD: the operator suspends auto-sync
 * and rolls back, status says the policy decided; the Deployment's runbook.dev/owner-rollback=Instruct overrides the
 * policy. Flux HelmRelease opted in by the policy but the operator has no RBAC on helmreleases: a refusal with the
 * instruction and what to grant, the operator keeps running. A value outside the schema is refused by the API server.
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { application, applyJson, argoOwned, getApplication, grantGitOpsRbac, installGitOpsCrds, revokeGitOpsRbac } from '../../harness/gitops-owners.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { badRollout, createIncident, getDeployment, getIncident, imageOf, summariseIncident, timelineTypes, waitForHealthy, waitForIncidentPhase } from '../../harness/rollout.js';

const GOOD = 'example.test/api:1.0.0';
const BAD = 'example.test/api:2.0.0';
// Only Applications: nobody grants the operator helmreleases, so the Flux case below is the "no RBAC" one.
const RBAC_NAME = 'incident-operator-owner-policy-test';
const CONSENT = { 'runbook.dev/remediation': 'enabled' };

const policy = (namespace: string, ownerRollback: unknown) => ({
  apiVersion: 'runbook.dev/v1alpha1', kind: 'EscalationPolicy', metadata: { name: 'default', namespace },
  spec: { tiers: [{ name: 'On-call engineer', level: 1, targets: [{ type: 'webhook', name: 'hook', secretRef: { name: 'notify', key: 'url' } }], triggers: ['OnOpen'] }], ownerRollback },
});

describe('remediate: owner rollback strategy per EscalationPolicy (operator process)', function () {
  const ns = { argo: '', policy: '', flux: '' };
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    await installGitOpsCrds();
    await grantGitOpsRbac(RBAC_NAME, ['applications']);
    ns.argo = await createTestNamespace('ownpol-argocd');
    ns.policy = await createTestNamespace('ownpol-argo', CONSENT);
    ns.flux = await createTestNamespace('ownpol-flux', CONSENT);
    // In the cache before the operator starts (its informers sync before workers run).
    await applyJson(policy(ns.policy, { argoCD: 'SuspendAutoSync' }));
    await applyJson(policy(ns.flux, { flux: 'Suspend' }));
    op = startOperatorProcess({
      namespaces: [ns.policy, ns.flux],
      env: { ROLLBACK_ARGOCD: 'Instruct', ARGOCD_NAMESPACE: ns.argo, ROLLBACK_RATE_LIMIT_MAX: '5', ROLLBACK_ALLOW_UNVERIFIED: 'true' },
    });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    await revokeGitOpsRbac(RBAC_NAME);
    for (const n of Object.values(ns)) if (n) await deleteNamespace(n);
  });

  it('the policy\'s argoCD: SuspendAutoSync wins over the operator\'s Instruct: auto-sync suspended, rolled back, status names the policy; the annotation Instruct overrides the policy', async () => {
    const n = ns.policy;
    await application(ns.argo, 'cart', { selfHeal: true });
    await application(ns.argo, 'told', { selfHeal: true });
    await badRollout({ name: 'api', namespace: n, replicas: 1, good: GOOD, bad: BAD, annotations: argoOwned('cart', n, 'api') });
    await badRollout({ name: 'told', namespace: n, replicas: 1, good: GOOD, bad: BAD, annotations: { ...argoOwned('told', n, 'told'), 'runbook.dev/owner-rollback': 'Instruct' } });
    await createIncident({ name: 'outage', namespace: n, target: 'api' });
    await createIncident({ name: 'told', namespace: n, target: 'told' });

    await waitFor('the Application is suspended', async () => ((await getApplication(ns.argo, 'cart')).spec.syncPolicy?.automated === undefined ? true : undefined), 90_000, 300);
    await waitForHealthy(n, 'api', GOOD);
    const rolled = await waitFor('the rollback succeeded', async () => { const i = await getIncident(n, 'outage'); return i.status?.remediation?.state === 'Succeeded' ? i : undefined; }, 60_000, 300);
    expect(rolled.status.remediation.ownerStrategy, JSON.stringify(summariseIncident(rolled))).to.include({ owner: 'ArgoCD', strategy: 'SuspendAutoSync', source: 'EscalationPolicy', policy: `${n}/default` });
    expect(rolled.status.remediation.gitops).to.include({ kind: 'Application', name: 'cart', namespace: ns.argo, field: 'spec.syncPolicy.automated', previous: '{"selfHeal":true}' });
    expect(timelineTypes(rolled)).to.include('GitOpsSuspended');

    const told = await waitForIncidentPhase(n, 'told', 'Escalated', 90_000);
    expect(told.status.remediation, JSON.stringify(summariseIncident(told))).to.include({ state: 'Refused', reason: 'RollbackOwnedByGitOps' });
    expect(told.status.remediation.ownerStrategy).to.include({ strategy: 'Instruct', source: 'DeploymentAnnotation' });
    expect(told.status.remediation.message).to.include(`${ns.argo}/told`).and.include('runbook.dev/owner-rollback');
    expect(imageOf(await getDeployment(n, 'told'))).to.equal(BAD);
    expect((await getApplication(ns.argo, 'told')).spec.syncPolicy.automated).to.deep.equal({ selfHeal: true });
  });

  it('the policy opts Flux in but the operator has no RBAC on helmreleases: refused with the instruction and what to grant, never a crash', async () => {
    const n = ns.flux;
    const labels = { 'helm.toolkit.fluxcd.io/name': 'shop', 'helm.toolkit.fluxcd.io/namespace': n };
    await badRollout({ name: 'api', namespace: n, replicas: 1, good: GOOD, bad: BAD, labels });
    await createIncident({ name: 'outage', namespace: n, target: 'api' });

    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 90_000);
    expect(inc.status.diagnosis.owner).to.include({ kind: 'FluxHelmRelease', name: 'shop', namespace: n });
    expect(inc.status.remediation, JSON.stringify(summariseIncident(inc))).to.include({ state: 'Refused', reason: 'GitOpsOwnerUnavailable' });
    expect(inc.status.remediation.ownerStrategy).to.include({ owner: 'FluxHelmRelease', strategy: 'Suspend', source: 'EscalationPolicy', policy: `${n}/default` });
    expect(inc.status.remediation.message).to.include('not readable (Forbidden)').and.include('helmreleases.helm.toolkit.fluxcd.io')
      .and.include(`flux suspend helmrelease shop -n ${n}`);
    expect(inc.status.remediation.gitops).to.equal(undefined);
    expect(imageOf(await getDeployment(n, 'api'))).to.equal(BAD);
    expect(op.exited(), 'the operator is still running').to.equal(false);
  });

  it('a value outside the schema is refused by the API server, naming the field', async () => {
    const r = await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ ...policy(ns.flux, { argoCD: 'Always' }), metadata: { name: 'bad', namespace: ns.flux } }) });
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include('spec.ownerRollback.argoCD').and.include('Unsupported value');
  });
});
