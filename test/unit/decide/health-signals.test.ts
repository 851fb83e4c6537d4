import { expect } from 'chai';
import type { SignalSpec, SignalVerdict } from '../../../src/api/signals.js';
import {
  breachOrigin, breaches, combineVerdicts, effectiveSignals, healthySince, parseSignals, summariseVerdicts, sustainedBreaches, verdictOf, SIGNALS_ANNOTATION,
} from '../../../src/decide/health-signals.js';

const ERR: SignalSpec = { name: 'error-ratio', prometheus: { query: 'sum(rate(x[1m]))' }, breachWhen: { comparison: '>', threshold: 0.05 } };
const LAT: SignalSpec = { name: 'p99-latency', prometheus: { query: 'histogram_quantile(0.99, y)' }, breachWhen: { comparison: '>=', threshold: 1 } };
const PROBE: SignalSpec = { name: 'health', httpProbe: { url: 'http://api.shop.svc/healthz' } };
const T0 = new Date('2026-12-01T06:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe('decide/health-signals', () => {
  it('compares a value with its threshold in each direction', () => {
    expect([breaches(0.06, '>', 0.05), breaches(0.05, '>', 0.05), breaches(0.05, '>=', 0.05), breaches(0.01, '<', 0.05), breaches(0.05, '<=', 0.05), breaches(0.06, '<=', 0.05)])
      .to.deep.equal([true, false, true, true, true, false]);
  });

  it('a value over the threshold breaches, under it is healthy; the breach streak counts and resets', () => {
    const v1 = verdictOf(ERR, { ok: true, value: 0.4 });
    expect(v1).to.deep.include({ verdict: 'Breaching', value: 0.4, threshold: 0.05, comparison: '>', consecutiveBreaches: 1, source: 'Prometheus' });
    const v2 = verdictOf(ERR, { ok: true, value: 0.3 }, v1);
    expect(v2.consecutiveBreaches).to.equal(2);
    const v3 = verdictOf(ERR, { ok: true, value: 0.01 }, v2);
    expect(v3).to.deep.include({ verdict: 'Healthy', consecutiveBreaches: 0 });
  });

  it('no value is Unknown: never healthy, neither extends nor resets the streak', () => {
    const b = verdictOf(ERR, { ok: true, value: 0.4 }, verdictOf(ERR, { ok: true, value: 0.4 }));
    const u = verdictOf(ERR, { ok: false, reason: 'Unreachable', detail: 'ECONNREFUSED' }, b);
    expect(u).to.deep.include({ verdict: 'Unknown', reason: 'Unreachable: ECONNREFUSED', consecutiveBreaches: 2 });
    expect(u.value).to.equal(undefined);
    expect(combineVerdicts([u]).allHealthy).to.equal(false);
    expect(sustainedBreaches([u], 1), 'Unknown never counts as a breach').to.deep.equal([]);
    expect(verdictOf(ERR, { ok: false, reason: 'NoData' }).verdict).to.equal('Unknown');
  });

  it('an HTTP probe breaches on any other status than the expected one', () => {
    expect(verdictOf(PROBE, { ok: true, value: 200 })).to.deep.include({ verdict: 'Healthy', threshold: 200, comparison: '!=', source: 'HTTPProbe' });
    expect(verdictOf(PROBE, { ok: true, value: 503 }).verdict).to.equal('Breaching');
    expect(verdictOf({ ...PROBE, httpProbe: { url: 'http://x/', expectedStatus: 204 } }, { ok: true, value: 200 }).verdict).to.equal('Breaching');
    expect(verdictOf(PROBE, { ok: false, reason: 'Timeout' }).verdict).to.equal('Unknown');
  });

  it('combines verdicts: all healthy only when every signal is Healthy; none configured is not healthy', () => {
    const h = verdictOf(ERR, { ok: true, value: 0 });
    const b = verdictOf(LAT, { ok: true, value: 2 });
    const u = verdictOf(PROBE, { ok: false, reason: 'Timeout' });
    expect(combineVerdicts([h])).to.deep.equal({ configured: true, allHealthy: true, breaching: [], unknown: [] });
    expect(combineVerdicts([h, b, u])).to.deep.equal({ configured: true, allHealthy: false, breaching: ['p99-latency'], unknown: ['health'] });
    expect(combineVerdicts([])).to.deep.include({ configured: false, allHealthy: false });
  });

  it('sustained breaches need N consecutive evaluations', () => {
    let v: SignalVerdict | undefined;
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) { v = verdictOf(ERR, { ok: true, value: 0.5 }, v); seen.push(sustainedBreaches([v], 3).length); }
    expect(seen).to.deep.equal([0, 0, 1, 1]);
  });

  it('summarises with numbers and names only', () => {
    const s = summariseVerdicts([verdictOf(ERR, { ok: true, value: 0.41 }), verdictOf(LAT, { ok: true, value: 0.2 }), verdictOf(PROBE, { ok: false, reason: 'Unreachable' })]);
    expect(s).to.equal('error-ratio 0.41 > 0.05 Breaching; p99-latency 0.2 < 1 Healthy; health Unknown (Unreachable)');
    expect(summariseVerdicts([])).to.equal('no signals configured');
  });

  it('healthySince starts when all become healthy, is kept while they stay, cleared by a breach or Unknown', () => {
    const h = [verdictOf(ERR, { ok: true, value: 0 })];
    expect(healthySince(h, undefined, at(5))).to.deep.equal(at(5));
    expect(healthySince(h, at(1), at(5))).to.deep.equal(at(1));
    expect(healthySince([verdictOf(ERR, { ok: true, value: 1 })], at(1), at(5))).to.equal(undefined);
    expect(healthySince([verdictOf(ERR, { ok: false, reason: 'NoData' })], at(1), at(5))).to.equal(undefined);
  });

  it('a breach that was there at the rollout (or whose streak began before it) is not the release\'s', () => {
    const rollout = at(100);
    expect(breachOrigin('Breaching', undefined, rollout)).to.equal('BeforeRollout');
    expect(breachOrigin('Healthy', at(50), rollout), 'the watcher saw the streak start before the rollout').to.equal('BeforeRollout');
    expect(breachOrigin('Healthy', at(120), rollout)).to.equal('AfterRollout');
    expect(breachOrigin(undefined, at(120), rollout), 'probe: only the streak start is known').to.equal('AfterRollout');
    expect(breachOrigin('Unknown', at(120), rollout), 'Unknown at the rollout: cannot tell').to.equal('Undetermined');
    expect(breachOrigin(undefined, undefined, rollout)).to.equal('Undetermined');
  });

  describe('parseSignals (the runbook.dev/signals annotation)', () => {
    it('accepts Prometheus and probe signals', () => {
      const r = parseSignals(JSON.stringify([ERR, PROBE, { name: 'p', httpProbe: { url: 'https://x/h', expectedStatus: 204, timeoutSeconds: 1.5 } }]));
      expect(r.ok).to.equal(true);
      if (r.ok) expect(r.signals).to.have.length(3);
    });
    const bad: [string, unknown, RegExp][] = [
      ['not JSON', '{', /not valid JSON/],
      ['not an array', '{}', /JSON array/],
      ['both kinds', [{ ...ERR, httpProbe: { url: 'http://x/' } }], /exactly one/],
      ['neither kind', [{ name: 'x' }], /exactly one/],
      ['no breach condition', [{ name: 'x', prometheus: { query: 'up' } }], /breachWhen: required/],
      ['a bad comparison', [{ ...ERR, breachWhen: { comparison: '==', threshold: 1 } }], /comparison/],
      ['a non-number threshold', [{ ...ERR, breachWhen: { comparison: '>', threshold: '1' } }], /threshold/],
      ['a bad name', [{ ...ERR, name: 'Error_Ratio' }], /name/],
      ['a duplicate name', [ERR, ERR], /duplicate/],
      ['an unknown field', [{ ...ERR, labels: { patient: 'x' } }], /unknown field/],
      ['a non-http URL', [{ name: 'h', httpProbe: { url: 'file:///etc/passwd' } }], /URL/],
      ['breachWhen on a probe', [{ ...PROBE, breachWhen: ERR.breachWhen }], /not used by an httpProbe/],
      ['a status out of range', [{ name: 'h', httpProbe: { url: 'http://x/', expectedStatus: 700 } }], /expectedStatus/],
      ['too many', Array.from({ length: 11 }, (_, i) => ({ ...ERR, name: `s${i}` })), /at most 10/],
    ];
    for (const [what, raw, re] of bad) {
      it(`rejects ${what}`, () => {
        const r = parseSignals(typeof raw === 'string' ? raw : JSON.stringify(raw));
        expect(r.ok).to.equal(false);
        if (!r.ok) expect(r.error).to.match(re);
      });
    }
    it('never echoes values in its errors', () => {
      const r = parseSignals(JSON.stringify([{ name: 'CANARY-7f3e9a1c5b', prometheus: { query: 'up' } }]));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.not.include('CANARY');
    });
  });

  it('effective signals: spec.signals wins (even empty), else the Deployment annotation', () => {
    const ann = { [SIGNALS_ANNOTATION]: JSON.stringify([ERR]) };
    expect(effectiveSignals([PROBE], ann)).to.deep.equal({ source: 'Incident', signals: [PROBE] });
    expect(effectiveSignals([], ann)).to.deep.equal({ source: 'Incident', signals: [] });
    expect(effectiveSignals(undefined, ann)).to.deep.equal({ source: 'Deployment', signals: [ERR] });
    expect(effectiveSignals(undefined, {})).to.deep.equal({ source: 'None', signals: [] });
    expect(effectiveSignals(undefined, { [SIGNALS_ANNOTATION]: '[{' }).error).to.match(/runbook.dev\/signals: not valid JSON/);
  });
});
