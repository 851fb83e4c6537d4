import { expect } from 'chai';
import type { Proposal } from '../../../src/api/diagnosis.js';
import type { RolloutHistory } from '../../../src/api/rollout-history.js';
import type { SignalSpec, SignalVerdict } from '../../../src/api/signals.js';
import { AUTO_ROLLBACK_LABEL, MAX_DNS1123_LABEL_LENGTH } from '../../../src/decide/crashloop-detect.js';
import { verdictOf } from '../../../src/decide/health-signals.js';
import { decideMetricRollback, proposeOnSignals, signalIncidentName, type MetricRollbackInput } from '../../../src/decide/metric-rollback.js';
import { aDeployment, aReplicaSet, aTemplate } from './rollback-fixtures.js';

const ERR: SignalSpec = { name: 'error-ratio', prometheus: { query: 'q' }, breachWhen: { comparison: '>', threshold: 0.05 } };
const ROLLOUT = new Date('2026-12-01T06:00:00Z');
const at = (s: number) => new Date(ROLLOUT.getTime() + s * 1000);

function streak(n: number, value = 0.4): SignalVerdict {
  let v: SignalVerdict | undefined;
  for (let i = 0; i < n; i++) v = verdictOf(ERR, { ok: true, value }, v);
  return v ?? verdictOf(ERR, { ok: true, value: 0 });
}

function input(over: Partial<MetricRollbackInput> = {}): MetricRollbackInput {
  const deployment = aDeployment({ revision: 2, labels: { [AUTO_ROLLBACK_LABEL]: 'enabled' } });
  return {
    deployment,
    replicaSets: [aReplicaSet(1, aTemplate({ image: 'img:1' }), { deployment, createdAt: at(-3600) }), aReplicaSet(2, aTemplate({ image: 'img:2' }), { deployment, createdAt: ROLLOUT })],
    openIncidentExists: false, now: at(60), consecutiveBreaches: 3, rolloutWindowSeconds: 900,
    verdicts: [streak(3)], atRollout: { 'error-ratio': 'Healthy' }, streakStartedAt: { 'error-ratio': at(30) },
    ...over,
  };
}

describe('decide/metric-rollback: decideMetricRollback', () => {
  it('a breach for N evaluations after a rollout within the window opens an Incident that rolls back', () => {
    const d = decideMetricRollback(input());
    expect(d).to.deep.include({ open: true, reason: 'SignalBreachAfterRollout', action: 'Rollback', origin: 'AfterRollout', revision: 2, incidentName: 'signal-patient-advocacy-api-r2' });
    if (d.open) expect(d.message).to.include('error-ratio 0.4 > 0.05 Breaching for 3 consecutive evaluations');
  });

  const closed: [string, Partial<MetricRollbackInput>, string][] = [
    ['not opted in', { deployment: aDeployment({ revision: 2, labels: {} }) }, 'NotOptedIn'],
    ['opted out on the Deployment although the Namespace opts in', { deployment: aDeployment({ revision: 2, labels: { [AUTO_ROLLBACK_LABEL]: 'disabled' } }), namespaceLabels: { [AUTO_ROLLBACK_LABEL]: 'enabled' } }, 'NotOptedIn'],
    ['being deleted', { deployment: aDeployment({ revision: 2, labels: { [AUTO_ROLLBACK_LABEL]: 'enabled' }, deletionTimestamp: '2026-12-01T06:00:00Z' }) }, 'DeploymentTerminating'],
    ['an Incident already open', { openIncidentExists: true }, 'IncidentAlreadyOpen'],
    ['no signals', { verdicts: [] }, 'NoSignals'],
    ['fewer than N breaches', { verdicts: [streak(2)] }, 'NoSustainedBreach'],
    ['Unknown, however long', { verdicts: [verdictOf(ERR, { ok: false, reason: 'Unreachable' }, streak(2))] }, 'NoSustainedBreach'],
    ['healthy', { verdicts: [streak(0)] }, 'NoSustainedBreach'],
    ['rolled out longer ago than the window', { now: at(901) }, 'OutsideRolloutWindow'],
    ['no ReplicaSets', { replicaSets: [] }, 'NoReplicaSets'],
  ];
  for (const [what, over, reason] of closed) {
    it(`no Incident when ${what} (${reason})`, () => {
      const d = decideMetricRollback(input(over));
      expect(d.open).to.equal(false);
      expect(d.reason).to.equal(reason);
    });
  }

  it('the Namespace label is consent too', () => {
    const deployment = aDeployment({ revision: 2, labels: {} });
    expect(decideMetricRollback(input({ deployment, namespaceLabels: { [AUTO_ROLLBACK_LABEL]: 'enabled' } })).open).to.equal(true);
  });

  it('a breach that was already there at the rollout escalates and says why (no rollback)', () => {
    const d = decideMetricRollback(input({ atRollout: { 'error-ratio': 'Breaching' } }));
    expect(d).to.deep.include({ open: true, reason: 'SignalBreachBeforeRollout', action: 'Escalate', origin: 'BeforeRollout' });
    if (d.open) expect(d.message).to.match(/already breached before revision 2 was rolled out .*not the release's fault, no rollback/);
  });

  it('a streak the watcher saw start before the rollout escalates', () => {
    const d = decideMetricRollback(input({ atRollout: {}, streakStartedAt: { 'error-ratio': at(-20) } }));
    expect(d).to.deep.include({ action: 'Escalate', reason: 'SignalBreachBeforeRollout' });
  });

  it('Unknown at the rollout: cannot tell, escalates (Unknown never triggers a rollback)', () => {
    const d = decideMetricRollback(input({ atRollout: { 'error-ratio': 'Unknown' } }));
    expect(d).to.deep.include({ action: 'Escalate', reason: 'SignalBreachOriginUnknown', origin: 'Undetermined' });
  });

  it('incident names are deterministic DNS-1123 labels', () => {
    expect(signalIncidentName('api', 7)).to.equal('signal-api-r7');
    const long = signalIncidentName('a.'.repeat(40) + 'x', 12);
    expect(long.length).to.be.at.most(MAX_DNS1123_LABEL_LENGTH);
    expect(long).to.match(/^signal-[a-z0-9-]+-r12-[0-9a-f]{8}$/);
    expect(signalIncidentName('a.'.repeat(40) + 'x', 12)).to.equal(long);
  });
});

describe('decide/metric-rollback: proposeOnSignals', () => {
  const none: Proposal = { action: 'None', reason: 'PodsHealthy', message: 'target is healthy' };
  const history: RolloutHistory = { revisions: [], currentRevision: 2, lastKnownGood: { revision: 1, source: 'Recorded', note: 'recorded' } };
  const breaching = [streak(3)];

  it('without a watcher origin (a person opened it) the pod-based proposal stands', () => {
    expect(proposeOnSignals({ base: none, verdicts: breaching, history })).to.equal(none);
  });
  it('breach after the rollout, still breaching: roll back to the last known good', () => {
    expect(proposeOnSignals({ base: none, origin: 'AfterRollout', verdicts: breaching, history })).to.deep.include({ action: 'Rollback', reason: 'RollbackProposed', toRevision: 1 });
  });
  it('breach before the rollout: escalate, no rollback', () => {
    expect(proposeOnSignals({ base: none, origin: 'BeforeRollout', verdicts: breaching, history })).to.deep.include({ action: 'Escalate', reason: 'SignalBreachBeforeRollout' });
  });
  it('only Unknown left at diagnosis: escalate, never roll back on Unknown', () => {
    const unknown = [verdictOf(ERR, { ok: false, reason: 'Unreachable' }, streak(3))];
    expect(proposeOnSignals({ base: none, origin: 'AfterRollout', verdicts: unknown, history })).to.deep.include({ action: 'Escalate', reason: 'SignalUnknown' });
  });
  it('healthy again by the diagnosis: monitor', () => {
    expect(proposeOnSignals({ base: none, origin: 'AfterRollout', verdicts: [streak(0)], history })).to.deep.include({ action: 'None', reason: 'SignalsHealthy' });
  });
  it('no known good revision, or the current one is it: escalate', () => {
    expect(proposeOnSignals({ base: none, origin: 'AfterRollout', verdicts: breaching, history: { ...history, lastKnownGood: { revision: null, source: 'None', note: '' } } }).reason).to.equal('NoKnownGoodRevision');
    expect(proposeOnSignals({ base: none, origin: 'AfterRollout', verdicts: breaching, history: { ...history, currentRevision: 1 } }).reason).to.equal('CurrentRevisionIsLastKnownGood');
  });
  it('a pod-based rollback or escalation is kept', () => {
    const rb: Proposal = { action: 'Rollback', reason: 'RollbackProposed', message: 'm', toRevision: 1 };
    expect(proposeOnSignals({ base: rb, origin: 'AfterRollout', verdicts: breaching, history })).to.equal(rb);
  });
});
