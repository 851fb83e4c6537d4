/**
 * /metrics with METRICS_AUTH=kubernetes on the real API server: the chart's RBAC for it (helm template,
 * metrics.auth=kubernetes, applied as rendered) lets the operator create TokenReviews and SubjectAccessReviews,
 * and the <release>-metrics-reader ClusterRole, bound to a `scraper` ServiceAccount, lets that one read. A token of
 * another ServiceAccount of the same cluster gets 403, a forged or missing token 401; neither token reaches the
 * operator's log.
 */
import { expect } from 'chai';
import http from 'node:http';
import { createTestNamespace, deleteNamespace, kubectl } from '../../harness/cluster.js';
import { helmBinary, helmTemplate, manifestObjects, type K8sObject } from '../../harness/helm.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { listenerPort } from '../../harness/listeners.js';

const OperatorNs = 'incident-operator-system';

function scrape(port: number, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function token(ns: string, sa: string): Promise<string> {
  const r = await kubectl(['create', 'token', sa, '-n', ns, '--duration', '10m']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

describe('security: /metrics decided by the API server (METRICS_AUTH=kubernetes, operator process)', function () {
  this.timeout(240_000);
  let ns: string;
  let op: OperatorProcess | undefined;
  let rbac: K8sObject[] = [];
  let failed = false;

  before(async () => {
    helmBinary();
    ns = await createTestNamespace('metrics-auth');
    for (const sa of ['scraper', 'nosy']) expect((await kubectl(['create', 'serviceaccount', sa, '-n', ns])).code).to.equal(0);
    const objects = await manifestObjects({ yaml: await helmTemplate('incident-operator', OperatorNs, { 'metrics.auth': 'kubernetes' }, { 'metrics.readerServiceAccounts': [{ name: 'scraper', namespace: ns }] }) });
    rbac = objects.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind) && /-metrics-(auth|reader)$/u.test(o.metadata.name));
    expect(rbac.map((o) => `${o.kind}/${o.metadata.name}`).sort()).to.deep.equal([
      'ClusterRole/incident-operator-metrics-auth', 'ClusterRole/incident-operator-metrics-reader',
      'ClusterRoleBinding/incident-operator-metrics-auth', 'ClusterRoleBinding/incident-operator-metrics-reader',
    ]);
    const applied = await kubectl(['apply', '-f', '-'], { input: rbac.map((o) => JSON.stringify(o)).join('\n') });
    expect(applied.code, applied.stderr).to.equal(0);
    op = startOperatorProcess({ namespaces: [ns], env: { METRICS_AUTH: 'kubernetes', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' } });
    await op.waitForLog(/leading: workers started/, 90_000);
  });

  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed);
    for (const o of rbac) await kubectl(['delete', o.kind, o.metadata.name, '--ignore-not-found']);
    await deleteNamespace(ns);
  });

  it('the bound scraper reads (200), another ServiceAccount is refused (403), a forged or missing token is 401', async () => {
    const port = await listenerPort(op!, 'metrics');
    const [scraper, nosy] = [await token(ns, 'scraper'), await token(ns, 'nosy')];
    const ok = await scrape(port, scraper);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include('incident_operator_');
    expect((await scrape(port, nosy)).status).to.equal(403);
    expect((await scrape(port, `${scraper.slice(0, -4)}AAAA`)).status).to.equal(401);
    expect((await scrape(port)).status).to.equal(401);
    // Cached decisions answer the same.
    expect([(await scrape(port, scraper)).status, (await scrape(port, nosy)).status]).to.deep.equal([200, 403]);
    const out = op!.output();
    expect(out).to.include('"mode":"kubernetes"');
    for (const t of [scraper, nosy]) expect(out.includes(t) || out.includes(t.split('.')[2]!)).to.equal(false);
  });
});
