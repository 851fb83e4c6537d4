/** ResilientInformer against the local control plane (real kube-apiserver watch semantics). */
import { expect } from 'chai';
import { CoreV1Api, KubeConfig, type V1ConfigMap, Watch } from '@kubernetes/client-node';
import { createTestNamespace, deleteNamespace, ensureCluster, waitFor } from '../../harness/cluster.js';
import type { RuntimeLogger } from '../../../src/runtime/clock.js';
import { ResilientInformer, type ResilientInformerOptions, type WatchLike } from '../../../src/runtime/resilient-informer.js';

const quiet: RuntimeLogger = { warn: () => undefined, error: () => undefined };

describe('runtime/resilient-informer (integration)', function () {
  let ns: string;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const informers: Array<ResilientInformer<V1ConfigMap>> = [];

  const cm = (name: string, labels: Record<string, string> = { app: 'web' }, data: Record<string, string> = { k: 'v' }) =>
    core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels }, data } });

  function informer(opts: Partial<ResilientInformerOptions<V1ConfigMap>> = {}): ResilientInformer<V1ConfigMap> {
    const i = new ResilientInformer<V1ConfigMap>({
      name: 'configmaps',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      list: () => core.listNamespacedConfigMap({ namespace: ns, ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}) }),
      kubeConfig: kc,
      logger: quiet,
      ...opts,
    });
    informers.push(i);
    return i;
  }

  before(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(ensureCluster().kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    ns = await createTestNamespace('rt-informer');
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });
  after(async () => {
    await deleteNamespace(ns);
  });

  it('syncs, strips managedFields, freezes, and delivers add/update/delete; list and watch dates differ in type', async () => {
    await cm('before');
    const i = informer();
    const seen: string[] = [];
    i.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    i.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.k}`));
    i.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    i.start();
    expect(await i.waitForSync(30_000)).to.equal(true);
    const listed = i.get(ns, 'before');
    expect(listed?.metadata).to.not.have.property('managedFields');
    expect(Object.isFrozen(listed?.metadata)).to.equal(true);
    expect(listed?.metadata?.creationTimestamp, 'list objects carry Date').to.be.instanceOf(Date);

    await cm('after');
    await waitFor('watched add', () => i.get(ns, 'after'), 15_000, 50);
    const watched = i.get(ns, 'after');
    expect(watched?.metadata).to.not.have.property('managedFields');
    expect(typeof watched?.metadata?.creationTimestamp, 'watch objects carry strings').to.equal('string');

    await core.patchNamespacedConfigMap({ name: 'after', namespace: ns, body: [{ op: 'replace', path: '/data/k', value: 'v2' }] });
    await core.deleteNamespacedConfigMap({ name: 'before', namespace: ns });
    await waitFor('update and delete', () => seen.includes('update after v2') && seen.includes('delete before'), 15_000, 50);
    expect(seen.filter((x) => !x.includes('kube-root-ca.crt')).slice(0, 2)).to.deep.equal(['add before', 'add after']);
    expect(i.get(ns, 'before')).to.equal(undefined);
    expect(i.lastEventAt).to.be.instanceOf(Date);
  });

  it('honours the label selector and maintains a secondary index', async () => {
    await cm('sel-a', { app: 'sel', tier: 'front' });
    await cm('sel-b', { app: 'sel', tier: 'back' });
    await cm('other', { app: 'other', tier: 'front' });
    const i = informer({ labelSelector: 'app=sel', indexers: { tier: (o) => [o.metadata?.labels?.tier ?? ''] } });
    i.start();
    expect(await i.waitForSync(30_000)).to.equal(true);
    expect(i.list(ns).map((o) => o.metadata?.name).sort()).to.deep.equal(['sel-a', 'sel-b']);
    expect(i.byIndex('tier', 'front').map((o) => o.metadata?.name)).to.deep.equal(['sel-a']);
    await core.patchNamespacedConfigMap({ name: 'sel-b', namespace: ns, body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'front' }] });
    await waitFor('re-indexed', () => i.byIndex('tier', 'front').length === 2, 15_000, 50);
    await cm('sel-c', { app: 'other', tier: 'front' });
    await new Promise((r) => setTimeout(r, 500));
    expect(i.get(ns, 'sel-c')).to.equal(undefined);
  });

  it('recovers from a failed watch (non-410) without losing events', async () => {
    const real = new Watch(kc);
    let failures = 1;
    const flaky: WatchLike = {
      watch: (path, params, cb, done) => {
        if (failures-- > 0) {
          done(Object.assign(new Error('injected'), { statusCode: 500 }));
          return Promise.resolve(new AbortController());
        }
        return real.watch(path, params, cb, done);
      },
    };
    const i = informer({ watch: flaky, restartBaseMs: 200 });
    i.start();
    expect(await i.waitForSync(30_000)).to.equal(true);
    await cm('after-failure');
    await waitFor('event after restart', () => i.get(ns, 'after-failure'), 15_000, 50);
    expect(i.restarts).to.equal(1);
  });

  it('watchdog restarts a silent watch and events keep flowing', async () => {
    const i = informer({ watchdogMs: 1_000 });
    i.start();
    expect(await i.waitForSync(30_000)).to.equal(true);
    await waitFor('watchdog fired', () => i.restarts >= 1, 10_000, 50);
    await cm('after-watchdog');
    await waitFor('event after watchdog restart', () => i.get(ns, 'after-watchdog'), 15_000, 50);
  });
});
