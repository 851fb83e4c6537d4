import { expect } from 'chai';
import { decidePhase, type PhaseInput } from '../../../src/decide/incident-phase.js';

// Health signals in the phase machine (issue 14): recovered means pods healthy AND every signal within
// threshold for the monitoring window; a symptoms incident without signals waits for a person.
const T0 = new Date('2026-12-01T06:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const healthyPods = { exists: true, healthy: true, summary: '3/3 ready' };

function monitoring(over: Partial<PhaseInput> = {}): PhaseInput {
  return {
    now: at(100), phase: 'Monitoring', hasTarget: true, target: healthyPods, diagnosisComplete: true, remediation: 'Succeeded',
    monitoringStartedAt: T0, monitorWindowSeconds: 60, monitorTimeoutSeconds: 300, ...over,
  };
}
const breaching = { configured: true, allHealthy: false, summary: 'error-ratio 0.4 > 0.05 Breaching' };
const healthy = { configured: true, allHealthy: true, summary: 'error-ratio 0 <= 0.05 Healthy' };

describe('decide/incident-phase: health signals', () => {
  it('ready pods with a breaching signal do not resolve, and the healthy clock is cleared', () => {
    const d = decidePhase(monitoring({ signals: breaching, healthySince: at(10) }));
    expect(d.phase).to.equal('Monitoring');
    expect(d.healthySince).to.equal(undefined);
  });
  it('pods healthy and every signal healthy for the window: resolved, the message names the signals', () => {
    const d = decidePhase(monitoring({ signals: healthy, healthySince: at(40) }));
    expect([d.phase, d.reason]).to.deep.equal(['Resolved', 'RecoveredAfterRemediation']);
    expect(d.message).to.include('signals: error-ratio 0 <= 0.05 Healthy');
  });
  it('signals healthy but the window not over yet: keeps monitoring until it is', () => {
    const d = decidePhase(monitoring({ signals: healthy, healthySince: at(90) }));
    expect(d.phase).to.equal('Monitoring');
    expect(d.requeueAfterMs).to.equal(50_000);
  });
  it('signals healthy but pods not: no resolution', () => {
    const d = decidePhase(monitoring({ signals: healthy, target: { exists: true, healthy: false, summary: '1/3' }, healthySince: at(0) }));
    expect(d.phase).to.equal('Monitoring');
  });
  it('still breaching at the timeout: escalates with the signal in the message', () => {
    const d = decidePhase(monitoring({ now: at(300), signals: breaching }));
    expect([d.phase, d.reason]).to.deep.equal(['Escalated', 'MonitoringTimedOut']);
    expect(d.message).to.include('error-ratio 0.4 > 0.05 Breaching');
  });
  it('a symptoms incident without any signal never resolves on readiness: it waits and says for what', () => {
    const d = decidePhase(monitoring({ remediation: 'None', symptomsNeedSignals: true, healthySince: at(0), now: at(10_000) }));
    expect([d.phase, d.reason]).to.deep.equal(['Monitoring', 'WaitingForSignals']);
    expect(d.message).to.match(/waiting for a person to resolve .* or for a health signal/);
    expect(d.requeueAfterMs, 'nothing to time out').to.equal(undefined);
  });
  it('a symptoms incident with signals resolves on them', () => {
    const d = decidePhase(monitoring({ remediation: 'None', symptomsNeedSignals: true, signals: healthy, healthySince: at(0) }));
    expect([d.phase, d.reason]).to.deep.equal(['Resolved', 'ResolvedAutomatically']);
  });
  it('a person still resolves a waiting incident', () => {
    const d = decidePhase(monitoring({ remediation: 'None', symptomsNeedSignals: true, resolvedByPerson: { by: 'alice' } }));
    expect([d.phase, d.reason]).to.deep.equal(['Resolved', 'ResolvedByPerson']);
  });
  it('escalated: recovers only when the signals are healthy too; without signals a symptoms incident stays escalated', () => {
    expect(decidePhase(monitoring({ phase: 'Escalated', signals: breaching, healthySince: at(0) })).phase).to.equal('Escalated');
    expect(decidePhase(monitoring({ phase: 'Escalated', signals: healthy, healthySince: at(0) })).phase).to.equal('Resolved');
    expect(decidePhase(monitoring({ phase: 'Escalated', remediation: 'None', symptomsNeedSignals: true, healthySince: at(0) })).phase).to.equal('Escalated');
  });
});
