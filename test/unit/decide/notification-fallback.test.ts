import { expect } from 'chai';
import fc from 'fast-check';
import { decideFallback, nextTargetHealth, DefaultFallbackAfterMs, type TargetHealth } from '../../../src/decide/notification-fallback.js';

const T0 = new Date('2026-01-05T10:00:00.000Z');
const ago = (ms: number): string => new Date(T0.getTime() - ms).toISOString();
const tiers = [{ level: 1, targets: ['pd-1', 'slack-1'] }, { level: 2, targets: ['pd-2', 'slack-2'] }];

describe('decide/notification-fallback', () => {
  const cases: { name: string; severity?: 'P0' | 'P1' | 'P2' | 'P3'; resolved?: boolean; targets: TargetHealth[]; unreachable: string[]; fire: { failed: string; notify: string[] }[]; nextCheckInMs?: number }[] = [
    { name: 'failing shorter than the fallback time: nothing yet, re-check when it would be', targets: [{ name: 'pd-1', failingSince: ago(30_000), lastError: 'HTTP 503' }], unreachable: [], fire: [], nextCheckInMs: 90_000 },
    { name: 'P1 target down longer: the tier\'s other targets and the next tier', targets: [{ name: 'pd-1', failingSince: ago(DefaultFallbackAfterMs), lastError: 'HTTP 503' }], unreachable: ['pd-1'], fire: [{ failed: 'pd-1', notify: ['1:slack-1', '2:pd-2', '2:slack-2'] }] },
    { name: 'a permanent failure falls back at once', targets: [{ name: 'pd-1', failingSince: ago(0), permanent: true, lastError: 'HTTP 400' }], unreachable: ['pd-1'], fire: [{ failed: 'pd-1', notify: ['1:slack-1', '2:pd-2', '2:slack-2'] }] },
    { name: 'other failing targets of the tier are not used as fallback', targets: [{ name: 'pd-1', failingSince: ago(200_000) }, { name: 'slack-1', failingSince: ago(1000) }], unreachable: ['pd-1'], fire: [{ failed: 'pd-1', notify: ['2:pd-2', '2:slack-2'] }], nextCheckInMs: 119_000 },
    { name: 'top tier: only its other targets', targets: [{ name: 'pd-2', failingSince: ago(200_000) }], unreachable: ['pd-2'], fire: [{ failed: 'pd-2', notify: ['2:slack-2'] }] },
    { name: 'once per streak', targets: [{ name: 'pd-1', failingSince: ago(200_000), fellBackAt: ago(10_000) }], unreachable: ['pd-1'], fire: [] },
    { name: 'P2: condition only, no fallback', severity: 'P2', targets: [{ name: 'pd-1', failingSince: ago(200_000) }], unreachable: ['pd-1'], fire: [] },
    { name: 'resolved: condition only', resolved: true, targets: [{ name: 'pd-1', failingSince: ago(200_000) }], unreachable: ['pd-1'], fire: [] },
    { name: 'healthy targets: nothing', targets: [{ name: 'pd-1' }, { name: 'slack-1' }], unreachable: [], fire: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideFallback({ severity: c.severity ?? 'P1', resolved: c.resolved ?? false, now: T0, fallbackAfterMs: DefaultFallbackAfterMs, targets: c.targets, tiers });
      expect(d.unreachable.map((u) => u.target)).to.deep.equal(c.unreachable);
      expect(d.fire.map((f) => ({ failed: f.failedTarget, notify: f.notify.map((n) => `${n.tier}:${n.target}`) }))).to.deep.equal(c.fire);
      if (c.nextCheckInMs !== undefined) expect(d.nextCheckAt!.getTime() - T0.getTime()).to.equal(c.nextCheckInMs);
    });
  }

  it('nextTargetHealth: a streak starts at the first failure, continues, and ends on success', () => {
    const t1 = new Date(T0.getTime() + 1000);
    const h1 = nextTargetHealth(undefined, 'pd-1', { ok: false, retryable: true, error: 'HTTP 503' }, T0);
    const h2 = nextTargetHealth({ ...h1, fellBackAt: t1.toISOString() }, 'pd-1', { ok: false, retryable: false, error: 'HTTP 400' }, t1);
    expect(h1).to.deep.equal({ name: 'pd-1', failingSince: T0.toISOString(), lastError: 'HTTP 503' });
    expect(h2).to.deep.equal({ name: 'pd-1', failingSince: T0.toISOString(), lastError: 'HTTP 400', permanent: true, fellBackAt: t1.toISOString() });
    expect(nextTargetHealth(h2, 'pd-1', { ok: true, retryable: false }, t1)).to.deep.equal({ name: 'pd-1' });
  });

  it('property: fallback fires only for open P0/P1 incidents, only for unreachable targets, never notifies the failed target or a failing one of its tier', () => {
    const arbTarget = fc.record({ name: fc.constantFrom('pd-1', 'slack-1', 'pd-2', 'slack-2'), failingFor: fc.option(fc.integer({ min: 0, max: 400_000 })), permanent: fc.boolean(), fellBack: fc.boolean() });
    fc.assert(fc.property(fc.uniqueArray(arbTarget, { selector: (t) => t.name, maxLength: 4 }), fc.constantFrom('P0' as const, 'P1' as const, 'P2' as const, 'P3' as const), fc.boolean(), (raw, severity, resolved) => {
      const targets: TargetHealth[] = raw.map((t) => (t.failingFor === null ? { name: t.name } : { name: t.name, failingSince: ago(t.failingFor), ...(t.permanent ? { permanent: true } : {}), ...(t.fellBack ? { fellBackAt: ago(0) } : {}) }));
      const d = decideFallback({ severity, resolved, now: T0, fallbackAfterMs: DefaultFallbackAfterMs, targets, tiers });
      if (resolved || severity === 'P2' || severity === 'P3') expect(d.fire).to.deep.equal([]);
      for (const f of d.fire) {
        const t = targets.find((x) => x.name === f.failedTarget)!;
        expect(d.unreachable.map((u) => u.target)).to.include(t.name);
        expect(t.fellBackAt).to.equal(undefined);
        expect(f.notify.map((n) => n.target)).to.not.include(t.name);
        for (const n of f.notify.filter((x) => x.tier === f.tier)) expect(targets.find((x) => x.name === n.target)?.failingSince).to.equal(undefined);
      }
      for (const u of d.unreachable) {
        const t = targets.find((x) => x.name === u.target)!;
        expect(t.permanent || T0.getTime() - Date.parse(t.failingSince!) >= DefaultFallbackAfterMs).to.equal(true);
      }
    }), { numRuns: 400 });
  });
});
