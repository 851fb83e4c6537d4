/**
 * Who the operator's ServiceAccount is, in RBAC terms: `kubectl auth can-i --list` in a watched and an unwatched
 * namespace, for the cluster-wide variant (deploy/rbac.yaml) and the namespaced one (deploy/rbac-namespaced/),
 * compared with checked-in lists (test/integration/security/golden/; UPDATE_GOLDEN=1 rewrites them — review
 * the diff). The namespaced variant gives nothing outside the watched namespaces but their own Namespace objects.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestNamespace, deleteNamespace, kubectl, repoRoot } from '../../harness/cluster.js';
import { canIList, installNamespacedRbac, removeNamespacedRbac, saUser } from '../../harness/rbac-variants.js';

const GOLDEN = join(repoRoot, 'test/integration/security/golden');

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1 and review it`).to.equal(true);
  expect(actual).to.equal(readFileSync(path, 'utf8'));
}

describe('security: RBAC golden lists (kubectl auth can-i --list)', function () {
  let watched: string;
  let unwatched: string;
  let opNs: string;

  before(async () => {
    watched = await createTestNamespace('sec-rbac-w');
    unwatched = await createTestNamespace('sec-rbac-u');
    opNs = `sec-rbac-op-${randomBytes(3).toString('hex')}`;
    await installNamespacedRbac(opNs, [watched]);
  });
  after(async () => {
    if (opNs) await removeNamespacedRbac(opNs, [watched]);
    for (const ns of [watched, unwatched]) if (ns) await deleteNamespace(ns);
  });

  const names = () => ({ [watched]: '<watched>', [unwatched]: '<unwatched>', [opNs]: '<operator-namespace>' });

  describe('cluster-wide variant (deploy/rbac.yaml)', () => {
    const user = saUser('incident-operator-system');
    it('in a watched namespace', async () => golden('cluster-wide-watched.txt', await canIList(user, watched, names())));
    it('in an unwatched namespace: the same (cluster-wide means everywhere)', async () => {
      const list = await canIList(user, unwatched, names());
      golden('cluster-wide-unwatched.txt', list);
      expect(list).to.equal(await canIList(user, watched, names()));
    });
    it('in kube-system: patch deployments is granted (the operator itself refuses to act there)', async () => {
      const r = await kubectl(['auth', 'can-i', 'patch', 'deployments', '-n', 'kube-system', `--as=${user}`]);
      expect(r.stdout.trim()).to.equal('yes');
    });
  });

  describe('namespaced variant (deploy/rbac-namespaced/)', () => {
    const user = () => saUser(opNs);
    it('in the watched namespace', async () => golden('namespaced-watched.txt', await canIList(user(), watched, names())));
    it('in an unwatched namespace', async () => golden('namespaced-unwatched.txt', await canIList(user(), unwatched, names())));
    it('in its own namespace', async () => golden('namespaced-operator-namespace.txt', await canIList(user(), opNs, names())));

    const cases: [string, () => string[], boolean][] = [
      ['patch deployments in the watched namespace', () => ['patch', 'deployments', '-n', watched], true],
      ['get secrets in the watched namespace', () => ['get', 'secrets', '-n', watched], true],
      ['list secrets in the watched namespace', () => ['list', 'secrets', '-n', watched], false],
      ['patch deployments in an unwatched namespace', () => ['patch', 'deployments', '-n', unwatched], false],
      ['patch statefulsets in the watched namespace', () => ['patch', 'statefulsets', '-n', watched], true],
      ['delete pods in the watched namespace (StatefulSet forced rollback)', () => ['delete', 'pods', '-n', watched], true],
      ['delete pods in an unwatched namespace', () => ['delete', 'pods', '-n', unwatched], false],
      ['get pods/log in an unwatched namespace', () => ['get', 'pods', '--subresource=log', '-n', unwatched], false],
      ['get secrets in an unwatched namespace', () => ['get', 'secrets', '-n', unwatched], false],
      ['patch deployments in kube-system', () => ['patch', 'deployments', '-n', 'kube-system'], false],
      ['list all namespaces', () => ['list', 'namespaces'], false],
      ['get its watched Namespace object', () => ['get', `namespace/${watched}`], true],
      ['get another Namespace object', () => ['get', `namespace/${unwatched}`], false],
      ['get any Secret in its own namespace', () => ['get', 'secrets', '-n', opNs], false],
      ['get the notification Secret in its own namespace', () => ['get', 'secret/incident-operator-notifications', '-n', opNs], true],
      ['update its Lease', () => ['update', 'leases.coordination.k8s.io', '-n', opNs], true],
    ];
    for (const [what, args, allowed] of cases) {
      it(`can-i ${what} → ${allowed ? 'yes' : 'no'}`, async () => {
        const r = await kubectl(['auth', 'can-i', ...args(), `--as=${user()}`]);
        expect(r.stdout.trim(), r.stderr).to.equal(allowed ? 'yes' : 'no');
      });
    }
  });
});
