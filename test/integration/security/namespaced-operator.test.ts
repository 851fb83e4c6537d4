/**
 * The operator under the namespaced RBAC variant (deploy/rbac-namespaced/, its own operator namespace and
 * ServiceAccount): with WATCH_NAMESPACES it syncs its caches with per-namespace informers only — a cluster-wide
 * list would be forbidden — and remediates an opted-in target (Namespace label runbook.dev/remediation=enabled).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, deleteNamespace, serviceAccountKubeconfig } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { httpGet } from '../../harness/operator-observe.js';
import { installNamespacedRbac, removeNamespacedRbac } from '../../harness/rbac-variants.js';
import { listenerAddress } from '../../harness/listeners.js';
import { createIncident, waitForIncidentPhase } from '../../harness/rollout.js';
import { provenThenBroken, revisionAndImage } from '../../harness/consent-fixtures.js';

describe('security: the operator under the namespaced RBAC variant (operator process)', function () {
  let watched: string;
  let opNs: string;
  let op: OperatorProcess | undefined;
  let failed = false;

  before(async () => {
    try {
      watched = await createTestNamespace('sec-nsop', { 'runbook.dev/remediation': 'enabled' });
      opNs = `sec-nsop-op-${randomBytes(3).toString('hex')}`;
      await installNamespacedRbac(opNs, [watched]);
      op = startOperatorProcess({
        namespaces: [watched], leaseName: `${watched}-nsop`,
        env: { KUBECONFIG: serviceAccountKubeconfig('incident-operator', opNs), OPERATOR_NAMESPACE: opNs },
      });
      await op.waitForLog(/leading: workers started/, 90_000);
    } catch (e) { failed = true; throw e; }
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed);
    if (opNs) await removeNamespacedRbac(opNs, [watched]);
    if (watched) await deleteNamespace(watched);
  });

  it('syncs every cache with namespaced informers, nothing forbidden', async () => {
    const r = await httpGet(`http://${await listenerAddress(op!, 'probes')}/readyz`);
    expect(r.status, r.body).to.equal(200);
    const body = JSON.parse(r.body);
    expect(Object.values(body.synced).every((v) => v === true), JSON.stringify(body.synced)).to.equal(true);
    expect(op!.output()).to.not.match(/forbidden/i);
  });

  it('rolls back an opted-in crash-looping Deployment to its last known good', async () => {
    const target = await provenThenBroken(watched, 'nsop-api');
    await createIncident({ name: 'nsop-rollback', namespace: watched, target: target.name });
    const inc = await waitForIncidentPhase(watched, 'nsop-rollback', ['Monitoring', 'Resolved'], 60_000);
    expect(inc.status.remediation).to.include({ state: 'Succeeded', toRevision: 1 });
    const after = await revisionAndImage(watched, target.name);
    expect([after.revision, after.image]).to.deep.equal([3, target.good]);
    expect(op!.output()).to.not.match(/forbidden/i);
  });
});
