import { expect } from 'chai';
import fc from 'fast-check';
import { nextDeliveryWakeup, planDelivery, type OrderedEntry } from '../../../src/decide/delivery-order.js';

const T0 = new Date('2026-01-05T10:00:00.000Z');
const at = (ms: number): string => new Date(T0.getTime() + ms).toISOString();
const e = (key: string, target: string, kind: string, o: Partial<OrderedEntry> = {}): OrderedEntry => ({ key, target, kind, state: 'Pending', attempts: 0, ...o });
const pager = (t: string) => t.startsWith('pd');

describe('decide/delivery-order', () => {
  const cases: { name: string; outbox: OrderedEntry[]; send: string[]; supersede?: string[]; blocked?: string[] }[] = [
    { name: 'one head per target, in outbox order', outbox: [e('o-pd', 'pd', 'opened'), e('o-sl', 'slack', 'opened'), e('r-pd', 'pd', 'resolved', { attempts: 0 }), e('r-sl', 'slack', 'resolved')],
      // pd: opened never attempted + resolve → collapsed; slack (not a pager) in order
      send: ['o-sl'], supersede: ['o-pd', 'r-pd'], blocked: ['r-sl'] },
    { name: 'a resolve waits behind its trigger that is backing off', outbox: [e('o', 'pd', 'opened', { attempts: 2, nextAttemptAt: at(5000) }), e('r', 'pd', 'resolved')], send: [], blocked: ['r'] },
    { name: 'an attempted trigger is sent before the resolve (never collapsed)', outbox: [e('o', 'pd', 'opened', { attempts: 1 }), e('r', 'pd', 'resolved')], send: ['o'], blocked: ['r'] },
    { name: 'delivered trigger: the resolve is the head', outbox: [e('o', 'pd', 'opened', { state: 'Delivered', attempts: 1 }), e('a', 'pd', 'acknowledged'), e('r', 'pd', 'resolved')], send: ['a'], blocked: ['r'] },
    { name: 'a Failed entry does not block the next', outbox: [e('o', 'hook', 'opened', { state: 'Failed', attempts: 1 }), e('r', 'hook', 'resolved')], send: ['r'] },
    { name: 'change events are never collapsed and keep their place', outbox: [e('c', 'pd', 'change'), e('o', 'pd', 'opened'), e('r', 'pd', 'resolved')], send: ['c'], blocked: [] , supersede: ['o', 'r'] },
    { name: 'not due yet: nothing to send', outbox: [e('o', 'slack', 'opened', { attempts: 1, nextAttemptAt: at(1) })], send: [] },
    { name: 'unparsable nextAttemptAt counts as due', outbox: [e('o', 'slack', 'opened', { attempts: 1, nextAttemptAt: 'garbage' })], send: ['o'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planDelivery(c.outbox, T0, pager);
      expect(plan.send).to.deep.equal(c.send);
      expect(plan.supersede).to.deep.equal(c.supersede ?? []);
      if (c.blocked) expect(plan.blocked).to.deep.equal(c.blocked);
    });
  }

  it('nextDeliveryWakeup: the earliest head, ignoring blocked entries', () => {
    const outbox = [e('o', 'pd', 'opened', { attempts: 1, nextAttemptAt: at(4000) }), e('r', 'pd', 'resolved'), e('s', 'slack', 'opened', { attempts: 1, nextAttemptAt: at(9000) })];
    expect(nextDeliveryWakeup(outbox, T0, pager)).to.equal(4000);
    expect(nextDeliveryWakeup([e('x', 'a', 'opened', { state: 'Delivered' })], T0)).to.equal(undefined);
  });

  const kinds = ['opened', 'escalated', 'phase-changed', 'acknowledged', 'resolved', 'change'];
  const arbEntry = fc.record({
    target: fc.constantFrom('pd-1', 'pd-2', 'slack', 'hook'),
    kind: fc.constantFrom(...kinds),
    state: fc.constantFrom('Pending', 'Pending', 'Pending', 'Delivered', 'Failed'),
    attempts: fc.nat(3),
    due: fc.boolean(),
  });

  it('property: by simulating delivery, each target receives its entries in creation order, a resolve never before an earlier trigger', () => {
    fc.assert(fc.property(fc.array(arbEntry, { maxLength: 14 }), fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), (raw, outcomes) => {
      let outbox: OrderedEntry[] = raw.map((r, i) => ({ key: `k${i}`, target: r.target, kind: r.kind, state: r.state === 'Pending' ? 'Pending' : r.state, attempts: r.state === 'Pending' ? r.attempts : Math.max(1, r.attempts), ...(r.due ? {} : { nextAttemptAt: at(1000) }) }));
      const sent: OrderedEntry[] = [];
      let now = T0;
      for (let step = 0; step < 60; step++) {
        const plan = planDelivery(outbox, now, pager);
        // at most one per target
        const targets = plan.send.map((k) => outbox.find((x) => x.key === k)!.target);
        expect(new Set(targets).size).to.equal(targets.length);
        outbox = outbox.map((x) => (plan.supersede.includes(x.key) ? { ...x, state: 'Superseded' } : x));
        for (const k of plan.send) {
          const entry = outbox.find((x) => x.key === k)!;
          const ok = outcomes[step]!;
          if (ok) sent.push(entry);
          outbox = outbox.map((x) => (x.key === k ? { ...x, attempts: x.attempts + 1, state: ok ? 'Delivered' : 'Pending', nextAttemptAt: ok ? undefined : new Date(now.getTime() + 500).toISOString() } : x));
        }
        now = new Date(now.getTime() + 700);
      }
      for (const target of new Set(outbox.map((x) => x.target))) {
        const order = outbox.filter((x) => x.target === target).map((x) => x.key);
        const got = sent.filter((x) => x.target === target).map((x) => order.indexOf(x.key));
        expect(got, `${target} in creation order`).to.deep.equal([...got].sort((a, b) => a - b));
        // a resolve is sent only when every earlier trigger was delivered, failed or superseded
        for (const s of sent.filter((x) => x.target === target && x.kind === 'resolved')) {
          const earlier = outbox.slice(0, outbox.findIndex((x) => x.key === s.key)).filter((x) => x.target === target);
          for (const p of earlier) expect(p.state, `${p.key} before ${s.key}`).to.be.oneOf(['Delivered', 'Failed', 'Superseded']);
        }
      }
    }), { numRuns: 300 });
  });

  it('property: a superseded set is only never-attempted pager entries ending with a resolve', () => {
    fc.assert(fc.property(fc.array(arbEntry, { maxLength: 10 }), (raw) => {
      const outbox = raw.map((r, i) => ({ key: `k${i}`, target: r.target, kind: r.kind, state: r.state, attempts: r.attempts }));
      const plan = planDelivery(outbox, T0, pager);
      for (const k of plan.supersede) {
        const x = outbox.find((y) => y.key === k)!;
        expect(pager(x.target)).to.equal(true);
        expect(x.attempts).to.equal(0);
        expect(x.state).to.equal('Pending');
        expect(x.kind).to.not.equal('change');
      }
      for (const t of new Set(plan.supersede.map((k) => outbox.find((y) => y.key === k)!.target))) {
        const mine = plan.supersede.map((k) => outbox.find((y) => y.key === k)!).filter((x) => x.target === t);
        expect(mine.at(-1)!.kind).to.equal('resolved');
      }
    }), { numRuns: 300 });
  });
});
