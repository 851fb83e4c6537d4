import { expect } from 'chai';
import { FakeClock, type RuntimeLogger, settle } from '../../../src/runtime/clock.js';
import {
  keyOf,
  type ReconcileContext,
  type ReconcileOutcome,
  type ReconcileResult,
  splitKey,
  TerminalError,
  WorkQueue,
  type WorkQueueOptions,
} from '../../../src/runtime/work-queue.js';

interface Deferred {
  resolve(v?: ReconcileResult): void;
  reject(e: unknown): void;
}

interface Harness {
  clock: FakeClock;
  q: WorkQueue;
  logs: Array<{ level: string; message: string; meta?: Record<string, unknown> }>;
}

function harness(opts: Partial<WorkQueueOptions> = {}): Harness {
  const clock = new FakeClock(0);
  const logs: Harness['logs'] = [];
  const logger: RuntimeLogger = {
    warn: (message, meta) => logs.push({ level: 'warn', message, meta }),
    error: (message, meta) => logs.push({ level: 'error', message, meta }),
  };
  const q = new WorkQueue({ name: 'test', clock, scheduler: clock, logger, ...opts });
  return { clock, q, logs };
}

/** A reconciler whose runs stay pending until the test settles them. */
function controlled() {
  const pending = new Map<string, Deferred[]>();
  const calls: Array<{ key: string; at: number; ctx: ReconcileContext }> = [];
  let active = 0;
  let maxActive = 0;
  const perKeyActive = new Map<string, number>();
  let maxPerKey = 0;
  return {
    calls,
    get maxActive() {
      return maxActive;
    },
    get maxPerKey() {
      return maxPerKey;
    },
    fn(clock: FakeClock) {
      return (key: string, ctx: ReconcileContext) =>
        new Promise<ReconcileResult>((resolve, reject) => {
          calls.push({ key, at: clock.now().getTime(), ctx });
          active++;
          maxActive = Math.max(maxActive, active);
          perKeyActive.set(key, (perKeyActive.get(key) ?? 0) + 1);
          maxPerKey = Math.max(maxPerKey, perKeyActive.get(key) ?? 0);
          const end = () => {
            active--;
            perKeyActive.set(key, (perKeyActive.get(key) ?? 1) - 1);
          };
          const list = pending.get(key) ?? [];
          list.push({
            resolve: (v) => {
              end();
              resolve(v);
            },
            reject: (e) => {
              end();
              // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the test's own rejection, passed through
              reject(e);
            },
          });
          pending.set(key, list);
        });
    },
    settle(key: string, v?: ReconcileResult) {
      const d = pending.get(key)?.shift();
      if (d === undefined) throw new Error(`no pending run for ${key}`);
      d.resolve(v);
    },
    fail(key: string, e: unknown) {
      const d = pending.get(key)?.shift();
      if (d === undefined) throw new Error(`no pending run for ${key}`);
      d.reject(e);
    },
  };
}

const keysOf = (calls: Array<{ key: string }>) => calls.map((c) => c.key);

describe('runtime/work-queue', () => {
  describe('keys', () => {
    const table = [
      { ns: 'shop', name: 'api', key: 'shop/api' },
      { ns: '', name: 'node-1', key: 'node-1' },
      { ns: undefined, name: 'node-2', key: 'node-2' },
    ];
    for (const t of table) {
      it(`keyOf/splitKey round-trip ${t.key}`, () => {
        expect(keyOf(t.ns, t.name)).to.equal(t.key);
        expect(splitKey(t.key)).to.deep.equal({ namespace: t.ns ?? '', name: t.name });
      });
    }
  });

  describe('de-duplication while queued', () => {
    const table: Array<{ name: string; adds: string[]; expected: string[] }> = [
      { name: 'same key thrice', adds: ['a/x', 'a/x', 'a/x'], expected: ['a/x'] },
      { name: 'interleaved keys keep first-add order', adds: ['a/x', 'a/y', 'a/x', 'a/z', 'a/y'], expected: ['a/x', 'a/y', 'a/z'] },
      { name: 'distinct keys', adds: ['a/1', 'a/2'], expected: ['a/1', 'a/2'] },
    ];
    for (const t of table) {
      it(t.name, async () => {
        const { clock, q } = harness();
        const r = controlled();
        for (const k of t.adds) q.add(k);
        expect(q.len()).to.equal(t.expected.length);
        q.run(1, r.fn(clock));
        for (const k of t.expected) {
          await settle();
          r.settle(k);
        }
        await settle();
        expect(keysOf(r.calls)).to.deep.equal(t.expected);
      });
    }
  });

  it('never runs one key twice at once; a key added while in flight runs once more afterwards', async () => {
    const { clock, q } = harness();
    const r = controlled();
    q.run(4, r.fn(clock));
    q.add('ns/a');
    await settle();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    await settle();
    expect(keysOf(r.calls)).to.deep.equal(['ns/a', 'ns/b']);
    r.settle('ns/a');
    await settle();
    expect(keysOf(r.calls)).to.deep.equal(['ns/a', 'ns/b', 'ns/a']);
    r.settle('ns/a');
    r.settle('ns/b');
    await settle();
    expect(r.calls).to.have.length(3);
    expect(r.maxPerKey).to.equal(1);
  });

  it('runs at most N keys concurrently', async () => {
    const { clock, q } = harness();
    const r = controlled();
    for (const k of ['n/1', 'n/2', 'n/3', 'n/4', 'n/5']) q.add(k);
    q.run(2, r.fn(clock));
    await settle();
    expect(r.calls).to.have.length(2);
    expect(q.inFlight()).to.equal(2);
    expect(q.len()).to.equal(3);
    r.settle('n/1');
    await settle();
    expect(keysOf(r.calls)).to.deep.equal(['n/1', 'n/2', 'n/3']);
    r.settle('n/2');
    r.settle('n/3');
    await settle();
    r.settle('n/4');
    r.settle('n/5');
    await settle();
    expect(r.calls).to.have.length(5);
    expect(r.maxActive).to.equal(2);
  });

  describe('per-item exponential backoff on errors', () => {
    const table = [
      { name: 'default cap 30 s', maxDelayMs: undefined, gaps: [200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000] },
      { name: 'cap 1 s', maxDelayMs: 1_000, gaps: [200, 400, 800, 1_000, 1_000] },
      { name: 'cap 60 s (the maximum allowed)', maxDelayMs: 60_000, gaps: [200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 51_200, 60_000] },
    ];
    for (const t of table) {
      it(t.name, async () => {
        const { clock, q } = harness(t.maxDelayMs === undefined ? {} : { maxDelayMs: t.maxDelayMs });
        const r = controlled();
        q.run(1, r.fn(clock));
        q.add('ns/flaky');
        for (let i = 0; i < t.gaps.length; i++) {
          await settle();
          r.fail('ns/flaky', new Error('boom'));
          await settle();
          const gap = t.gaps[i] as number;
          await clock.advanceAsync(gap - 1);
          expect(r.calls, `retry ${i + 1} must not run early`).to.have.length(i + 1);
          await clock.advanceAsync(1);
          expect(r.calls, `retry ${i + 1} runs after ${gap} ms`).to.have.length(i + 2);
        }
        const at = r.calls.map((c) => c.at);
        expect(at.slice(1).map((v, i) => v - (at[i] as number))).to.deep.equal(t.gaps);
        expect(r.calls.at(-1)?.ctx.failures).to.equal(t.gaps.length);
      });
    }

    it('rejects a cap above 60 s or below the base', () => {
      expect(() => new WorkQueue({ maxDelayMs: 60_001 })).to.throw(RangeError);
      expect(() => new WorkQueue({ maxDelayMs: 100 })).to.throw(RangeError);
    });

    it('success forgets the failure count', async () => {
      const { clock, q } = harness();
      const r = controlled();
      q.run(1, r.fn(clock));
      q.add('ns/a');
      await settle();
      r.fail('ns/a', new Error('1'));
      await clock.advanceAsync(200);
      r.fail('ns/a', new Error('2'));
      await clock.advanceAsync(400);
      expect(q.numRequeues('ns/a')).to.equal(2);
      r.settle('ns/a');
      await settle();
      expect(q.numRequeues('ns/a')).to.equal(0);
      q.add('ns/a');
      await settle();
      r.fail('ns/a', new Error('3'));
      await clock.advanceAsync(200);
      expect(r.calls).to.have.length(5);
      expect(r.calls[4]?.ctx.failures).to.equal(1);
    });
  });

  describe('outcomes', () => {
    const table: Array<{ name: string; run: (key: string) => ReconcileResult | Promise<ReconcileResult>; calls: number; requeues: number; level?: string }> = [
      { name: 'TerminalError is not retried', run: () => Promise.reject(new TerminalError('bad spec')), calls: 1, requeues: 0, level: 'error' },
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a non-Error rejection
      { name: 'rejection with a non-Error value is retried', run: () => Promise.reject('string'), calls: 2, requeues: 1, level: 'warn' },
      {
        name: 'synchronous throw is retried, never crashes',
        run: () => {
          throw new Error('sync');
        },
        calls: 2,
        requeues: 1,
        level: 'warn',
      },
      { name: 'plain success is not requeued', run: () => undefined, calls: 1, requeues: 0 },
    ];
    for (const t of table) {
      it(t.name, async () => {
        const { clock, q, logs } = harness();
        let calls = 0;
        q.run(1, (k) => {
          calls++;
          return calls === 1 ? t.run(k) : undefined;
        });
        q.add('ns/k');
        await settle();
        expect(q.numRequeues('ns/k')).to.equal(t.requeues);
        await clock.advanceAsync(60_000);
        expect(calls).to.equal(t.calls);
        if (t.level !== undefined) expect(logs.map((l) => l.level)).to.include(t.level);
        else expect(logs).to.have.length(0);
      });
    }

    it('requeueAfterMs re-adds after the delay and resets the backoff', async () => {
      const { clock, q } = harness();
      const r = controlled();
      q.run(1, r.fn(clock));
      q.add('ns/a');
      await settle();
      r.fail('ns/a', new Error('x'));
      await clock.advanceAsync(200);
      r.settle('ns/a', { requeueAfterMs: 5_000 });
      await settle();
      expect(q.numRequeues('ns/a')).to.equal(0);
      await clock.advanceAsync(4_999);
      expect(r.calls).to.have.length(2);
      await clock.advanceAsync(1);
      expect(r.calls).to.have.length(3);
      expect(r.calls[2]?.at).to.equal(5_200);
    });
  });

  describe('addAfter: the earliest pending due time wins', () => {
    const table: Array<{ name: string; delays: number[]; firesAt: number[] }> = [
      { name: 'later then earlier', delays: [5_000, 1_000], firesAt: [1_000] },
      { name: 'earlier then later', delays: [1_000, 5_000], firesAt: [1_000] },
      { name: 'equal', delays: [2_000, 2_000], firesAt: [2_000] },
      { name: 'zero means now', delays: [5_000, 0], firesAt: [0, 5_000] },
    ];
    for (const t of table) {
      it(t.name, async () => {
        const { clock, q } = harness();
        const seen: number[] = [];
        q.run(1, () => {
          seen.push(clock.now().getTime());
        });
        for (const d of t.delays) q.addAfter('ns/a', d);
        await clock.advanceAsync(10_000);
        expect(seen).to.deep.equal(t.firesAt);
      });
    }
  });

  describe('shutdown', () => {
    it('default: waits for in-flight, discards queued and delayed keys, ignores new adds, aborts ctx.signal', async () => {
      const { clock, q } = harness();
      const r = controlled();
      q.run(1, r.fn(clock));
      q.add('ns/busy');
      q.add('ns/queued');
      q.addAfter('ns/later', 1_000);
      await settle();
      let done: boolean | undefined;
      void q.shutdown().then((v) => (done = v));
      await settle();
      expect(done).to.equal(undefined);
      expect(r.calls[0]?.ctx.signal.aborted).to.equal(true);
      q.add('ns/new');
      r.settle('ns/busy');
      await clock.advanceAsync(5_000);
      expect(done).to.equal(true);
      expect(keysOf(r.calls)).to.deep.equal(['ns/busy']);
      expect(q.len()).to.equal(0);
      expect(q.pendingDelayed()).to.equal(0);
    });

    it("drain: 'all' processes queued keys first but does not retry failures", async () => {
      const { clock, q } = harness();
      const r = controlled();
      q.run(1, r.fn(clock));
      q.add('ns/1');
      q.add('ns/2');
      await settle();
      let done: boolean | undefined;
      void q.shutdown({ drain: 'all' }).then((v) => (done = v));
      r.fail('ns/1', new Error('x'));
      await settle();
      expect(done).to.equal(undefined);
      r.settle('ns/2');
      await clock.advanceAsync(5_000);
      expect(done).to.equal(true);
      expect(keysOf(r.calls)).to.deep.equal(['ns/1', 'ns/2']);
    });

    it('resolves false when in-flight work outlives the timeout', async () => {
      const { clock, q } = harness();
      const r = controlled();
      q.run(1, r.fn(clock));
      q.add('ns/hung');
      await settle();
      let done: boolean | undefined;
      void q.shutdown({ timeoutMs: 1_000 }).then((v) => (done = v));
      await clock.advanceAsync(999);
      expect(done).to.equal(undefined);
      await clock.advanceAsync(1);
      expect(done).to.equal(false);
    });

    it('resolves at once when idle', async () => {
      const { q } = harness();
      expect(await q.shutdown()).to.equal(true);
      expect(q.isShuttingDown()).to.equal(true);
    });
  });

  it('reports metrics through hooks, and a throwing hook is harmless', async () => {
    const outcomes: ReconcileOutcome[] = [];
    let adds = 0;
    let retries = 0;
    const depths: number[] = [];
    const { clock, q } = harness({
      metrics: {
        add: () => adds++,
        retry: () => retries++,
        depth: (d) => depths.push(d),
        reconcileDuration: (s, o) => {
          outcomes.push(o);
          expect(s).to.be.at.least(0);
        },
        queueLatency: () => {
          throw new Error('broken hook');
        },
      },
    });
    let n = 0;
    q.run(1, async () => {
      n++;
      if (n === 1) throw new Error('first');
      if (n === 2) return { requeueAfterMs: 10 };
      if (n === 3) throw new TerminalError('stop');
      return undefined;
    });
    q.add('ns/m');
    await clock.advanceAsync(1_000);
    expect(outcomes).to.deep.equal(['error', 'requeue_after', 'terminal_error']);
    expect(adds).to.equal(3); // direct + retry + requeueAfter
    expect(retries).to.equal(1);
    expect(depths).to.include(1);
    expect(depths.at(-1)).to.equal(0);
  });
});
