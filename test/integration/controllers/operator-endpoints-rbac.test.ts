/**
 * The operator process as an operations team sees it: it runs under the ServiceAccount token with least
 * privilege (deploy/rbac.yaml), and it serves /healthz, /readyz on its probe port and /metrics on a separate
 * metrics port (each logged as "http server listening" with its `server` name).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createTestNamespace, deleteNamespace, kubectl, serviceAccountKubeconfig, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { deleteLease, httpAddress, httpGet, OPERATOR_NAMESPACE } from '../../harness/operator-observe.js';
import { applyDeployment, createIncident, waitForHealthy, waitForIncidentPhase } from '../../harness/rollout.js';
import { listenerAddress } from '../../harness/listeners.js';

const METRICS_ENV = { METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' };

const SA_USER = 'system:serviceaccount:incident-operator-system:incident-operator';
const TARGET = 'web';
const IMAGE = 'example.test/web:1.0.0';

/** The value of one sample, e.g. metricValue(body, 'incident_operator_leader') or with labels. */
function metricValue(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('controllers: operator endpoints and RBAC (operator process)', function () {
  let ns: string;
  let op: OperatorProcess;
  let standby: OperatorProcess | undefined;
  let saKubeconfig: string;
  const leaseName = () => `${ns}-endpoints`;

  before(async () => {
    ns = await createTestNamespace('op-endpoints');
    saKubeconfig = serviceAccountKubeconfig();
    await applyDeployment({ name: TARGET, namespace: ns, replicas: 2, image: IMAGE });
    await waitForHealthy(ns, TARGET, IMAGE);
    op = startOperatorProcess({ namespaces: [ns], leaseName: leaseName(), env: METRICS_ENV });
    await op.waitForLog(/leading: workers started/);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(op.output().split('\n').slice(-30).join('\n'));
  });
  after(async () => {
    await standby?.kill('SIGKILL');
    await op?.kill();
    if (ns) {
      await deleteLease(leaseName());
      await deleteNamespace(ns);
    }
  });

  describe('least privilege under the ServiceAccount token', () => {
    it('the operator process authenticates as the incident-operator ServiceAccount', async () => {
      const env = readFileSync(`/proc/${op.proc.pid}/environ`, 'utf8').split('\0');
      const kubeconfig = env.find((e) => e.startsWith('KUBECONFIG='))?.slice('KUBECONFIG='.length);
      expect(kubeconfig, 'KUBECONFIG of the operator process').to.be.a('string');
      const who = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig });
      expect(who.code, who.stderr).to.equal(0);
      expect(who.stdout.trim()).to.equal(SA_USER);
    });

    const lease = () => JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'not-ours', namespace: ns }, spec: {} });
    const forbidden: { title: string; args: () => string[]; input?: () => string; verb: string; resource: string }[] = [
      { title: 'delete a Deployment', args: () => ['delete', 'deployment', TARGET, '-n', ns], verb: 'delete', resource: 'deployments' },
      { title: 'list Secrets', args: () => ['get', 'secrets', '-n', ns], verb: 'list', resource: 'secrets' },
      { title: 'create a Deployment', args: () => ['create', 'deployment', 'intruder', '--image', 'example.test/x:1', '-n', ns], verb: 'create', resource: 'deployments' },
      { title: 'delete an Incident', args: () => ['delete', 'incident', 'anything', '-n', ns], verb: 'delete', resource: 'incidents' },
      { title: 'write a Lease outside its namespace', args: () => ['create', '-f', '-'], input: lease, verb: 'create', resource: 'leases' },
    ];
    for (const c of forbidden) {
      it(`may not ${c.title}`, async () => {
        const r = await kubectl(c.args(), { kubeconfig: saKubeconfig, input: c.input?.() });
        expect(r.code, r.stdout).to.not.equal(0);
        expect(r.stderr).to.match(/forbidden/i);
        expect(r.stderr).to.match(new RegExp(`cannot ${c.verb} resource "${c.resource}"`));
        expect(r.stderr).to.include(SA_USER);
      });
    }

    it('the Deployment it may not delete is still there', async () => {
      const r = await kubectl(['get', 'deployment', TARGET, '-n', ns, '-o', 'name']);
      expect(r.stdout.trim()).to.equal(`deployment.apps/${TARGET}`);
    });

    const canI: { args: () => string[]; allowed: boolean }[] = [
      { args: () => ['patch', 'deployments', '-n', ns], allowed: true },
      { args: () => ['delete', 'deployments', '-n', ns], allowed: false },
      { args: () => ['get', 'secrets', '-n', ns], allowed: true },
      { args: () => ['list', 'secrets', '-n', ns], allowed: false },
      { args: () => ['patch', 'incidents.runbook.dev/status', '-n', ns], allowed: true },
      { args: () => ['update', 'incidents.runbook.dev', '-n', ns], allowed: false },
      { args: () => ['update', 'leases.coordination.k8s.io', '-n', OPERATOR_NAMESPACE], allowed: true },
      { args: () => ['update', 'leases.coordination.k8s.io', '-n', 'kube-system'], allowed: false },
      { args: () => ['create', 'pods/exec', '-n', ns], allowed: false },
      // A StatefulSet's forced rollback deletes its not-ready pods of the bad revision (uid precondition): a right far
      // smaller than patching Deployments, which it has; creating pods or exec into them it has not.
      { args: () => ['delete', 'pods', '-n', ns], allowed: true },
      { args: () => ['create', 'pods', '-n', ns], allowed: false },
    ];
    for (const c of canI) {
      const where = (() => { const n = c.args()[3]; return n === OPERATOR_NAMESPACE || n === 'kube-system' ? n : 'the watched namespace'; })();
      it(`kubectl auth can-i ${c.args().slice(0, 2).join(' ')} in ${where} → ${c.allowed ? 'yes' : 'no'}`, async () => {
        const r = await kubectl(['auth', 'can-i', ...c.args()], { kubeconfig: saKubeconfig });
        expect(r.stdout.trim()).to.equal(c.allowed ? 'yes' : 'no');
      });
    }
  });

  describe('/healthz, /readyz and /metrics', () => {
    let base: string;
    let metricsBase: string;
    before(async () => {
      base = `http://${await listenerAddress(op, 'probes')}`;
      metricsBase = `http://${await listenerAddress(op, 'metrics')}`;
    });

    it('logs "http server listening" for probes and metrics, each on its own random port (HTTP_PORT=0, METRICS_PORT=0)', async () => {
      expect(base).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metricsBase).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Number(base.split(':').pop())).to.be.above(0);
      expect(metricsBase).to.not.equal(base);
      expect(await httpAddress(op), 'the first listener logged is the probe one').to.equal(base.slice('http://'.length));
    });

    it('probes and metrics do not share a port; no intake without a token', async () => {
      expect((await httpGet(`${base}/metrics`)).status).to.equal(404);
      expect((await httpGet(`${metricsBase}/healthz`)).status).to.equal(404);
      expect((await httpGet(`${base}/alertmanager`)).status).to.equal(404);
      expect(op.logLines().some((l) => /alertmanager intake disabled/.test(String(l.message)))).to.equal(true);
    });

    it('/healthz answers ok', async () => {
      const r = await httpGet(`${base}/healthz`);
      expect(r).to.deep.include({ status: 200, body: 'ok' });
    });

    it('/readyz answers 200 once the caches are synced and the leader is known', async () => {
      const r = await waitFor('/readyz 200', async () => {
        const x = await httpGet(`${base}/readyz`);
        return x.status === 200 ? x : undefined;
      }, 30_000);
      const body = JSON.parse(r.body);
      expect(body).to.deep.include({ ready: true, leader: true, leaderKnown: true });
      expect(body.synced).to.include({ incidents: true, deployments: true, replicasets: true, pods: true, namespaces: true });
      expect(Object.values(body.synced).every((v) => v === true), JSON.stringify(body.synced)).to.equal(true);
    });

    it('/readyz of a standby replica is 200 too, naming no leadership of its own', async () => {
      standby = startOperatorProcess({ namespaces: [ns], leaseName: leaseName(), env: METRICS_ENV });
      const sbase = `http://${await listenerAddress(standby, 'probes')}`;
      const smetrics = `http://${await listenerAddress(standby, 'metrics')}`;
      const r = await waitFor('standby /readyz 200', async () => {
        const x = await httpGet(`${sbase}/readyz`);
        return x.status === 200 ? x : undefined;
      }, 30_000);
      expect(JSON.parse(r.body)).to.deep.include({ ready: true, leader: false, leaderKnown: true });
      const m = await httpGet(`${smetrics}/metrics`);
      expect(metricValue(m.body, 'incident_operator_leader')).to.equal(0);
      await standby.kill('SIGKILL');
    });

    it('/metrics has incident_operator_reconcile_total and incident_operator_incidents', async () => {
      await createIncident({ name: 'metrics-one', namespace: ns, target: TARGET, severity: 'P3' });
      await waitForIncidentPhase(ns, 'metrics-one', 'Resolved', 60_000);
      const r = await httpGet(`${metricsBase}/metrics`);
      expect(r.status).to.equal(200);
      expect(r.contentType).to.match(/^text\/plain/);
      expect(r.body).to.include('# TYPE incident_operator_reconcile_total counter');
      expect(r.body).to.include('# TYPE incident_operator_incidents gauge');
      const reconciles = ['success', 'requeue_after', 'error', 'terminal_error']
        .map((outcome) => metricValue(r.body, 'incident_operator_reconcile_total', { controller: 'incident', outcome }) ?? 0)
        .reduce((a, b) => a + b, 0);
      expect(reconciles, 'incident reconciles counted').to.be.at.least(2);
      expect(metricValue(r.body, 'incident_operator_incidents', { phase: 'Resolved', severity: 'P3' })).to.be.at.least(1);
      expect(metricValue(r.body, 'incident_operator_leader')).to.equal(1);
      expect(metricValue(r.body, 'incident_operator_informer_synced', { informer: 'incidents' })).to.equal(1);
    });
  });
});
