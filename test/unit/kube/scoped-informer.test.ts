import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ScopedInformer, scopedInformer } from '../../../src/kube/scoped-informer.js';
import type { InformerPhase, ResilientInformer } from '../../../src/runtime/resilient-informer.js';

type Obj = KubernetesObject;
class FakePart {
  phase: InformerPhase = 'watching';
  synced = true;
  lastEventAt: Date | undefined = new Date('2026-12-01T06:00:00Z');
  started = 0;
  handlers: ((o: Obj) => void)[] = [];
  constructor(readonly name: string, readonly objs: Obj[]) {}
  on(_e: string, fn: (o: Obj) => void) { this.handlers.push(fn); }
  start() { this.started++; }
  async stop() { this.phase = 'stopped'; }
  async waitForSync() { return this.synced; }
  list(ns?: string) { return this.objs.filter((o) => !ns || o.metadata?.namespace === ns); }
  get(ns: string, name: string) { return this.objs.find((o) => (o.metadata?.namespace ?? '') === ns && o.metadata?.name === name); }
  byIndex(_i: string, v: string) { return this.objs.filter((o) => `${o.metadata?.namespace}/${o.metadata?.labels?.owner}` === v); }
}
const obj = (ns: string | undefined, name: string, owner?: string): Obj => ({ metadata: { ...(ns ? { namespace: ns } : {}), name, ...(owner ? { labels: { owner } } : {}) } });
const asParts = (m: Record<string, FakePart>) => new Map(Object.entries(m)) as unknown as Map<string, ResilientInformer<Obj>>;

describe('kube/scoped-informer', () => {
  it('cluster-wide when no namespaces are given (one informer, cluster path)', () => {
    const made: [string, string | undefined][] = [];
    const i = scopedInformer<Obj>({ name: 'pods', namespaces: undefined, make: (n, ns) => { made.push([n, ns]); return new FakePart(n, []) as unknown as ResilientInformer<Obj>; } });
    expect(made).to.deep.equal([['pods', undefined]]);
    expect(i).to.not.be.instanceOf(ScopedInformer);
  });

  it('one informer per watched namespace (duplicates once), named after the resource', () => {
    const made: [string, string | undefined][] = [];
    const i = scopedInformer<Obj>({ name: 'pods', namespaces: ['a', 'b', 'a'], make: (n, ns) => { made.push([n, ns]); return new FakePart(n, []) as unknown as ResilientInformer<Obj>; } });
    expect(made).to.deep.equal([['pods/a', 'a'], ['pods/b', 'b']]);
    expect(i.name).to.equal('pods');
  });

  it('reads go to the namespace\'s part; list() without a namespace is the union', () => {
    const a = new FakePart('d/a', [obj('a', 'x', 'o1'), obj('a', 'y', 'o2')]);
    const b = new FakePart('d/b', [obj('b', 'x', 'o1')]);
    const s = new ScopedInformer<Obj>('d', asParts({ a, b }));
    expect(s.get('a', 'x')?.metadata?.namespace).to.equal('a');
    expect(s.get('b', 'y')).to.equal(undefined);
    expect(s.get('c', 'x'), 'an unwatched namespace has nothing').to.equal(undefined);
    expect(s.list('a').map((o) => o.metadata?.name)).to.deep.equal(['x', 'y']);
    expect(s.list('zzz')).to.deep.equal([]);
    expect(s.list()).to.have.length(3);
    expect(s.byIndex('owner', 'b/o1').map((o) => o.metadata?.namespace)).to.deep.equal(['b']);
  });

  it('cluster-scoped parts (Namespaces) are found by name', () => {
    const s = new ScopedInformer<Obj>('namespaces', asParts({ a: new FakePart('n/a', [obj(undefined, 'a')]), b: new FakePart('n/b', [obj(undefined, 'b')]) }), true);
    expect(s.get('', 'b')?.metadata?.name).to.equal('b');
    expect(s.get('', 'c')).to.equal(undefined);
    expect(s.list().map((o) => o.metadata?.name)).to.deep.equal(['a', 'b']);
  });

  it('synced and phase: the least fresh part decides', () => {
    const a = new FakePart('a', []);
    const b = new FakePart('b', []);
    const s = new ScopedInformer<Obj>('x', asParts({ a, b }));
    expect([s.synced, s.phase]).to.deep.equal([true, 'watching']);
    b.phase = 'reconnecting';
    expect(s.phase).to.equal('reconnecting');
    a.phase = 'backoff';
    expect(s.phase).to.equal('backoff');
    b.synced = false;
    expect(s.synced).to.equal(false);
    b.lastEventAt = new Date('2026-12-01T05:00:00Z');
    expect(s.lastEventAt?.toISOString()).to.equal('2026-12-01T05:00:00.000Z');
  });

  it('start, handlers and waitForSync fan out to every part', async () => {
    const a = new FakePart('a', []);
    const b = new FakePart('b', []);
    const s = new ScopedInformer<Obj>('x', asParts({ a, b }));
    s.start();
    s.on('add', () => undefined);
    expect([a.started, b.started, a.handlers.length, b.handlers.length]).to.deep.equal([1, 1, 1, 1]);
    expect(await s.waitForSync(10)).to.equal(true);
    b.synced = false;
    expect(await s.waitForSync(10)).to.equal(false);
    await s.stop();
    expect(s.phase).to.equal('stopped');
  });
});
