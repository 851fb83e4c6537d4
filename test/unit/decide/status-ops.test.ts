import { expect } from 'chai';
import { appendTimeline, jsonEqual, setCondition } from '../../../src/decide/status-ops.js';

const T1 = new Date('2026-11-27T03:00:00Z');
const T2 = new Date('2026-11-27T03:05:00Z');

describe('decide/status-ops', () => {
  it('setCondition moves lastTransitionTime only when the status flips', () => {
    const a = setCondition(undefined, { type: 'TargetHealthy', status: 'False', reason: 'PodsUnhealthy', message: 'x' }, T1, 1);
    const b = setCondition(a, { type: 'TargetHealthy', status: 'False', reason: 'PodsUnhealthy', message: 'y' }, T2, 2);
    expect(b[0]!.lastTransitionTime).to.equal(T1.toISOString());
    expect(b[0]!.message).to.equal('y');
    expect(b[0]!.observedGeneration).to.equal(2);
    const c = setCondition(b, { type: 'TargetHealthy', status: 'True', reason: 'PodsHealthy', message: 'z' }, T2, 2);
    expect(c[0]!.lastTransitionTime).to.equal(T2.toISOString());
    expect(c).to.have.length(1);
    expect(a[0]!.message).to.equal('x'); // inputs are not mutated
  });

  it('appendTimeline keeps the newest N entries and counts all of them', () => {
    let s = {};
    for (let i = 0; i < 7; i++) s = appendTimeline(s, { time: T1.toISOString(), type: 'T', message: `m${i}` }, 5);
    const st = s as { timeline: { message: string }[]; timelineTotal: number };
    expect(st.timeline.map((t) => t.message)).to.deep.equal(['m2', 'm3', 'm4', 'm5', 'm6']);
    expect(st.timelineTotal).to.equal(7);
  });

  it('appendTimeline bounds messages to 1024 characters', () => {
    const s = appendTimeline({}, { time: T1.toISOString(), type: 'T', message: 'x'.repeat(5000) }) as { timeline: { message: string }[] };
    expect(s.timeline[0]!.message).to.have.length(1024);
  });

  const eq: [string, unknown, unknown, boolean][] = [
    ['key order does not matter', { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    ['undefined keys are ignored', { a: 1, b: undefined }, { a: 1 }, true],
    ['array order matters', [1, 2], [2, 1], false],
    ['nested difference', { a: { b: 1 } }, { a: { b: 2 } }, false],
    ['array vs object', [], {}, false],
  ];
  for (const [what, a, b, expected] of eq) it(`jsonEqual: ${what}`, () => expect(jsonEqual(a, b)).to.equal(expected));
});
