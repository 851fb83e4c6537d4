import { expect } from 'chai';
import fc from 'fast-check';
import type { SignalsStatus, SignalVerdict } from '../../../src/api/signals.js';
import { signalsWorthWriting } from '../../../src/decide/signals-persistence.js';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const at = (ms: number) => new Date(T0 + ms).toISOString();
const verdict = (over: Partial<SignalVerdict> = {}): SignalVerdict => ({ name: 'error-ratio', source: 'Prometheus', verdict: 'Healthy', value: 0.01, threshold: 0.05, comparison: '>', consecutiveBreaches: 0, ...over });
const status = (verdicts: SignalVerdict[], over: Partial<SignalsStatus> = {}): SignalsStatus => ({ evaluatedAt: at(0), source: 'Incident', verdicts, summary: 's', ...over });
const opts = { refreshMs: 60_000, breachCountCap: 3 };

describe('decide/signals-persistence: which signal evaluations are written to status', () => {
  const written = status([verdict()], { healthySince: at(0) });
  const cases: Array<[string, SignalsStatus | undefined, number, boolean]> = [
    ['same verdicts, a value moved, 10 s later: not written', status([verdict({ value: 0.012 })], { evaluatedAt: at(10_000), healthySince: at(0), summary: 'other' }), 10_000, false],
    ['same verdicts after the refresh interval: written (values and evaluatedAt at most 60 s old)', status([verdict({ value: 0.012 })], { evaluatedAt: at(60_000), healthySince: at(0) }), 60_000, true],
    ['a verdict changed: written at once', status([verdict({ verdict: 'Breaching', value: 0.4, consecutiveBreaches: 1 })], { evaluatedAt: at(10_000) }), 10_000, true],
    ['Unknown with another reason: written', status([verdict({ verdict: 'Unknown', reason: 'Timeout' })], { evaluatedAt: at(10_000), healthySince: at(0) }), 10_000, true],
    ['the healthy streak broke (healthySince gone): written', status([verdict()], { evaluatedAt: at(10_000) }), 10_000, true],
    ['a signal came: written', status([verdict(), verdict({ name: 'p99' })], { evaluatedAt: at(10_000), healthySince: at(0) }), 10_000, true],
    ['another source: written', status([verdict()], { evaluatedAt: at(10_000), healthySince: at(0), source: 'Deployment' }), 10_000, true],
    ['evaluations stopped (undefined): written', undefined, 10_000, true],
  ];
  for (const [name, next, now, expected] of cases) {
    it(name, () => expect(signalsWorthWriting(written, next, new Date(T0 + now), opts)).to.equal(expected));
  }

  it('breach counts below the cap are news, at or above it are not', () => {
    const breaching = (n: number, ms: number) => status([verdict({ verdict: 'Breaching', value: 0.4, consecutiveBreaches: n })], { evaluatedAt: at(ms) });
    expect(signalsWorthWriting(breaching(1, 0), breaching(2, 10_000), new Date(T0 + 10_000), opts)).to.equal(true);
    expect(signalsWorthWriting(breaching(2, 0), breaching(3, 10_000), new Date(T0 + 10_000), opts)).to.equal(true);
    expect(signalsWorthWriting(breaching(3, 0), breaching(4, 10_000), new Date(T0 + 10_000), opts)).to.equal(false);
    expect(signalsWorthWriting(breaching(3, 0), breaching(9, 50_000), new Date(T0 + 50_000), opts)).to.equal(false);
  });

  it('nothing written yet: the first evaluation is written', () => {
    expect(signalsWorthWriting(undefined, written, new Date(T0), opts)).to.equal(true);
  });

  it('property: a change of any verdict kind is always written, whatever the age', () => {
    const kind = fc.constantFrom<SignalVerdict['verdict']>('Healthy', 'Breaching', 'Unknown');
    fc.assert(fc.property(fc.array(fc.tuple(kind, kind), { minLength: 1, maxLength: 5 }), fc.nat(59_999), (pairs, age) => {
      const before = status(pairs.map(([k], i) => verdict({ name: `s${i}`, verdict: k })));
      const after = status(pairs.map(([, k], i) => verdict({ name: `s${i}`, verdict: k })), { evaluatedAt: at(age) });
      const changed = pairs.some(([a, b]) => a !== b);
      if (changed) expect(signalsWorthWriting(before, after, new Date(T0 + age), opts)).to.equal(true);
      else expect(signalsWorthWriting(before, after, new Date(T0 + age), opts)).to.equal(false);
    }));
  });
});
