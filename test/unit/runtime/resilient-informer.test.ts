import { expect } from 'chai';
import type { KubernetesListObject, V1Pod } from '@kubernetes/client-node';
import { FakeClock, type RuntimeLogger, settle } from '../../../src/runtime/clock.js';
import { ResilientInformer, type ResilientInformerOptions, type WatchLike } from '../../../src/runtime/resilient-informer.js';

type Params = Record<string, string | number | boolean | undefined>;
interface FakeSession {
  params: Params;
  cb: (phase: string, obj: unknown) => void;
  done: (err: unknown) => void;
  controller: AbortController;
  closed: boolean;
}

/** Mimics client-node's Watch: done() once, also on abort (as the real stream 'close'/'error' does). */
class FakeWatch implements WatchLike {
  readonly sessions: FakeSession[] = [];
  failOpenWith: unknown[] = [];
  async watch(_path: string, params: Params, cb: FakeSession['cb'], done: FakeSession['done']): Promise<AbortController> {
    const controller = new AbortController();
    const s: FakeSession = { params, cb, done, controller, closed: false };
    this.sessions.push(s);
    const err = this.failOpenWith.shift();
    if (err !== undefined) {
      this.close(s, err);
      return controller;
    }
    controller.signal.addEventListener('abort', () => setImmediate(() => this.close(s, Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    return controller;
  }
  get last(): FakeSession {
    const s = this.sessions.at(-1);
    if (s === undefined) throw new Error('no watch opened');
    return s;
  }
  get open(): FakeSession[] {
    return this.sessions.filter((s) => !s.closed);
  }
  emit(type: string, obj: unknown): void {
    this.last.cb(type, obj);
  }
  close(s: FakeSession = this.last, err: unknown = null): void {
    if (s.closed) return;
    s.closed = true;
    s.done(err);
  }
}

function pod(name: string, rv: string, extra: { owner?: string; labels?: Record<string, string> } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      resourceVersion: rv,
      labels: extra.labels ?? { app: 'api' },
      managedFields: [{ manager: 'kubectl', operation: 'Update' }],
      ...(extra.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: extra.owner, uid: `uid-${extra.owner}`, controller: true }] } : {}),
    },
  };
}

const list = (rv: string, items: V1Pod[]): KubernetesListObject<V1Pod> => ({ metadata: { resourceVersion: rv }, items });
const httpErr = (code: number) => Object.assign(new Error(`HTTP ${code}`), { statusCode: code });

function harness(opts: Partial<ResilientInformerOptions<V1Pod>> = {}) {
  const clock = new FakeClock(0);
  const watch = new FakeWatch();
  const lists: Array<KubernetesListObject<V1Pod> | Error> = [];
  let listCalls = 0;
  const logs: Array<{ level: string; message: string }> = [];
  const logger: RuntimeLogger = {
    warn: (message) => logs.push({ level: 'warn', message }),
    error: (message) => logs.push({ level: 'error', message }),
  };
  const informer = new ResilientInformer<V1Pod>({
    name: 'pods',
    path: '/api/v1/namespaces/shop/pods',
    labelSelector: 'app=api',
    list: async () => {
      listCalls++;
      const next = lists.shift();
      if (next === undefined) return new Promise<never>(() => undefined); // hangs
      if (next instanceof Error) throw next;
      return next;
    },
    watch,
    clock,
    scheduler: clock,
    logger,
    rand: () => 0, // equal jitter -> exactly half the ceiling
    ...opts,
  });
  return { clock, watch, lists, logs, informer, listCalls: () => listCalls };
}

describe('runtime/resilient-informer', () => {
  let unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled, 'no unhandled rejections').to.deep.equal([]);
  });

  it('is synced only after a successful list; a failed list is retried with backoff', async () => {
    const h = harness();
    h.lists.push(httpErr(500), httpErr(503), list('10', [pod('a', '9')]));
    const sync = h.informer.waitForSync(60_000).then((v) => ({ v, cached: h.informer.list().length }));
    h.informer.start();
    await settle();
    expect(h.informer.synced).to.equal(false);
    expect(h.informer.phase).to.equal('backoff');
    await h.clock.advanceAsync(499); // 1 s base, equal jitter with rand 0 -> 500 ms
    expect(h.listCalls()).to.equal(1);
    await h.clock.advanceAsync(1);
    expect(h.listCalls()).to.equal(2);
    expect(h.informer.synced).to.equal(false);
    await h.clock.advanceAsync(999); // second failure -> 1000 ms
    expect(h.listCalls()).to.equal(2);
    await h.clock.advanceAsync(1);
    expect(h.listCalls()).to.equal(3);
    expect(await sync, 'synced only once the cache is loaded').to.deep.equal({ v: true, cached: 1 });
    expect(h.informer.synced).to.equal(true);
    expect(h.informer.restarts).to.equal(2);
    expect(h.informer.get('shop', 'a')?.metadata?.resourceVersion).to.equal('9');
    await h.informer.stop();
  });

  it('waitForSync resolves false on timeout and on stop', async () => {
    const h = harness();
    h.informer.start(); // the list hangs
    const t = h.informer.waitForSync(1_000);
    await h.clock.advanceAsync(1_000);
    expect(await t).to.equal(false);
    const s = h.informer.waitForSync(10_000);
    await h.informer.stop();
    expect(await s).to.equal(false);
  });

  it('strips managedFields and deep-freezes objects from the list and from watch events', async () => {
    const h = harness();
    h.lists.push(list('10', [pod('a', '9')]));
    h.informer.start();
    await settle();
    h.watch.emit('ADDED', pod('b', '11'));
    await settle();
    for (const name of ['a', 'b']) {
      const o = h.informer.get('shop', name);
      expect(o, name).to.not.equal(undefined);
      expect(o?.metadata).to.not.have.property('managedFields');
      expect(Object.isFrozen(o), `${name} frozen`).to.equal(true);
      expect(Object.isFrozen(o?.metadata?.labels), `${name} labels frozen`).to.equal(true);
      expect(() => {
        (o?.metadata?.labels as Record<string, string>).app = 'x';
      }).to.throw(TypeError);
    }
    expect(h.informer.list('shop').map((p) => p.metadata?.name).sort()).to.deep.equal(['a', 'b']);
    expect(h.informer.list().length).to.equal(2);
    await h.informer.stop();
  });

  it('opens the watch with the list resourceVersion, bookmarks, a server timeout and the selector', async () => {
    const h = harness({ watchTimeoutSeconds: 300 });
    h.lists.push(list('10', []));
    h.informer.start();
    await settle();
    expect(h.watch.last.params).to.deep.include({ resourceVersion: '10', allowWatchBookmarks: true, labelSelector: 'app=api', timeoutSeconds: 300 });
    h.watch.emit('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '15' } });
    await settle();
    expect(h.informer.resourceVersion).to.equal('15');
    expect(h.informer.lastEventAt?.getTime()).to.equal(0);
    await h.informer.stop();
  });

  it('a throwing handler is logged and does not stop other handlers or crash', async () => {
    const h = harness();
    h.lists.push(list('10', [pod('a', '9')]));
    const seen: string[] = [];
    h.informer.on('add', () => {
      throw new Error('handler bug');
    });
    h.informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    h.informer.on('update', (p) => seen.push(`update ${p.metadata?.name}`));
    h.informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    h.informer.start();
    await settle();
    h.watch.emit('ADDED', pod('b', '11'));
    h.watch.emit('MODIFIED', pod('b', '12'));
    h.watch.emit('MODIFIED', pod('b', '12')); // same resourceVersion: no update
    h.watch.emit('DELETED', pod('a', '13'));
    await settle();
    expect(seen).to.deep.equal(['add a', 'add b', 'update b', 'delete a']);
    expect(h.logs.filter((l) => l.message === 'informer handler threw')).to.have.length(2);
    expect(h.watch.open).to.have.length(1);
    await h.informer.stop();
  });

  it('a malformed watch event (rejected inside ListWatch) is logged, not an unhandled rejection', async () => {
    const h = harness();
    h.lists.push(list('10', []));
    h.informer.start();
    await settle();
    h.watch.emit('ADDED', null);
    await settle();
    expect(h.logs.map((l) => l.message)).to.include('informer handler threw');
    expect(h.watch.open).to.have.length(1);
    await h.informer.stop();
  });

  describe('recovery', () => {
    const table: Array<{ name: string; fail: (h: ReturnType<typeof harness>) => void; relist: boolean; delayMs: number }> = [
      { name: 'watch fails with 500: re-watch after backoff, no relist', fail: (h) => h.watch.close(h.watch.last, httpErr(500)), relist: false, delayMs: 500 },
      { name: 'network error: re-watch after backoff', fail: (h) => h.watch.close(h.watch.last, Object.assign(new Error('x'), { code: 'ECONNRESET' })), relist: false, delayMs: 500 },
      { name: 'watch open answered 410: relist', fail: (h) => h.watch.close(h.watch.last, httpErr(410)), relist: true, delayMs: 500 },
      {
        name: 'ERROR event 410 then close: relist',
        fail: (h) => {
          h.watch.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
          h.watch.close();
        },
        relist: true,
        delayMs: 500,
      },
      { name: 'quick normal close: reopen after backoff', fail: (h) => h.watch.close(), relist: false, delayMs: 500 },
    ];
    for (const t of table) {
      it(t.name, async () => {
        const h = harness();
        h.lists.push(list('10', [pod('a', '9')]), list('20', [pod('a', '19')]));
        h.informer.start();
        await settle();
        expect(h.watch.sessions).to.have.length(1);
        t.fail(h);
        await settle();
        await h.clock.advanceAsync(t.delayMs - 1);
        expect(h.watch.open, 'nothing open before the delay').to.have.length(0);
        await h.clock.advanceAsync(1);
        expect(h.watch.open).to.have.length(1);
        expect(h.listCalls()).to.equal(t.relist ? 2 : 1);
        expect(h.watch.last.params.resourceVersion).to.equal(t.relist ? '20' : '10');
        expect(h.informer.get('shop', 'a')?.metadata?.resourceVersion).to.equal(t.relist ? '19' : '9');
        await h.informer.stop();
      });
    }

    it('a long-lived watch closing normally reopens at once and resets the backoff', async () => {
      const h = harness();
      h.lists.push(list('10', []));
      h.informer.start();
      await settle();
      h.watch.close(h.watch.last, httpErr(500));
      await h.clock.advanceAsync(500);
      h.watch.close(h.watch.last, httpErr(500));
      await h.clock.advanceAsync(1_000);
      expect(h.watch.sessions).to.have.length(3);
      await h.clock.advanceAsync(120_000);
      h.watch.emit('BOOKMARK', { metadata: { resourceVersion: '30' } });
      h.watch.close();
      await settle();
      expect(h.watch.sessions, 'reopened without delay').to.have.length(4);
      expect(h.watch.last.params.resourceVersion).to.equal('30');
      h.watch.close(h.watch.last, httpErr(500)); // backoff restarted from 1 s
      await h.clock.advanceAsync(500);
      expect(h.watch.sessions).to.have.length(5);
      await h.informer.stop();
    });

    it('a failure while re-listing keeps the cache and retries', async () => {
      const h = harness();
      h.lists.push(list('10', [pod('a', '9')]), httpErr(503), list('30', [pod('c', '29')]));
      const deleted: string[] = [];
      h.informer.on('delete', (p) => deleted.push(p.metadata?.name ?? ''));
      h.informer.start();
      await settle();
      h.watch.close(h.watch.last, httpErr(410));
      await settle();
      expect(h.informer.get('shop', 'a'), 'cache kept while failing').to.not.equal(undefined);
      // the quick 410 counted as failure 1 (500 ms), the failed relist as failure 2 (1 s)
      await h.clock.advanceAsync(999);
      expect(h.listCalls()).to.equal(2);
      await h.clock.advanceAsync(1);
      expect(h.listCalls()).to.equal(3);
      expect(h.watch.open, 'watch reopened without a leftover delay').to.have.length(1);
      expect(h.informer.get('shop', 'a')).to.equal(undefined);
      expect(h.informer.get('shop', 'c')).to.not.equal(undefined);
      expect(deleted).to.deep.equal(['a']);
      await h.informer.stop();
    });
  });

  describe('watchdog', () => {
    it('restarts a silent watch after watchdogMs, from the last resourceVersion', async () => {
      const h = harness({ watchdogMs: 10_000 });
      h.lists.push(list('10', []));
      h.informer.start();
      await settle();
      const first = h.watch.last;
      await h.clock.advanceAsync(9_000);
      expect(h.watch.sessions).to.have.length(1);
      await h.clock.advanceAsync(3_000);
      expect(first.controller.signal.aborted, 'old watch aborted').to.equal(true);
      expect(h.watch.sessions).to.have.length(2);
      expect(h.watch.open).to.have.length(1);
      expect(h.watch.last.params.resourceVersion).to.equal('10');
      expect(h.informer.restarts).to.equal(1);
      expect(h.listCalls()).to.equal(1);
      await h.informer.stop();
    });

    it('bookmarks keep the watch alive', async () => {
      const h = harness({ watchdogMs: 10_000 });
      h.lists.push(list('10', []));
      h.informer.start();
      await settle();
      for (let i = 0; i < 10; i++) {
        await h.clock.advanceAsync(5_000);
        h.watch.emit('BOOKMARK', { metadata: { resourceVersion: String(11 + i) } });
      }
      expect(h.watch.sessions).to.have.length(1);
      expect(h.informer.restarts).to.equal(0);
      expect(h.informer.lastEventAt?.getTime()).to.equal(50_000);
      await h.informer.stop();
    });

    it('a hung list times out and is retried', async () => {
      const h = harness({ listTimeoutMs: 5_000 });
      h.informer.start(); // first list hangs
      await h.clock.advanceAsync(5_000);
      expect(h.informer.phase).to.equal('backoff');
      h.lists.push(list('10', []));
      await h.clock.advanceAsync(500);
      expect(h.informer.synced).to.equal(true);
      await h.informer.stop();
    });
  });

  it('maintains secondary indexes across add, update and delete', async () => {
    const h = harness({
      indexers: { owner: (p) => (p.metadata?.ownerReferences ?? []).map((o) => `${p.metadata?.namespace}/${o.name}`) },
    });
    h.lists.push(list('10', [pod('a', '1', { owner: 'rs1' }), pod('b', '2', { owner: 'rs1' }), pod('c', '3', { owner: 'rs2' })]));
    h.informer.start();
    await settle();
    const names = (v: string) => h.informer.byIndex('owner', v).map((p) => p.metadata?.name).sort();
    expect(names('shop/rs1')).to.deep.equal(['a', 'b']);
    expect(names('shop/rs2')).to.deep.equal(['c']);
    h.watch.emit('MODIFIED', pod('b', '4', { owner: 'rs2' }));
    h.watch.emit('DELETED', pod('c', '5', { owner: 'rs2' }));
    h.watch.emit('ADDED', pod('d', '6'));
    await settle();
    expect(names('shop/rs1')).to.deep.equal(['a']);
    expect(names('shop/rs2')).to.deep.equal(['b']);
    expect(names('shop/none')).to.deep.equal([]);
    expect(() => h.informer.byIndex('nope', 'x')).to.throw(/unknown index/);
    await h.informer.stop();
  });

  it('stop() aborts the watch and nothing restarts afterwards', async () => {
    const h = harness();
    h.lists.push(list('10', []));
    h.informer.start();
    await settle();
    const s = h.watch.last;
    await h.informer.stop();
    await settle();
    expect(s.controller.signal.aborted).to.equal(true);
    await h.clock.advanceAsync(600_000);
    expect(h.watch.sessions).to.have.length(1);
    expect(h.listCalls()).to.equal(1);
    expect(h.informer.phase).to.equal('stopped');
    expect(h.clock.pendingTimers()).to.equal(0);
  });
});
