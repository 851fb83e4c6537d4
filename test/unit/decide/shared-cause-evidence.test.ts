import { expect } from 'chai';
import type { PodSummary, RevisionHealth } from '../../../src/decide/pod-health.js';
import { detectSharedCause, MAX_NAMED_PODS } from '../../../src/decide/shared-cause.js';

const rev = (revision: number, pods: number, crashLooping: number): RevisionHealth => ({ revision, pods, ready: pods - crashLooping, crashLooping });
const pod = (name: string, revision: number, crashLooping: boolean): PodSummary => ({ name, revision, phase: 'Running', ready: !crashLooping, restarts: crashLooping ? 4 : 0, crashLooping, containers: [] });

describe('decide/shared-cause: the evidence is named (revisions, pods, the failed database step)', () => {
  it('older revisions crashing: counts per revision and the crash-looping pods of those revisions by name', () => {
    const r = detectSharedCause({
      podHealth: { byRevision: [rev(2, 1, 1), rev(1, 2, 2)], pods: [pod('api-new-x1', 2, true), pod('api-old-b2', 1, true), pod('api-old-a1', 1, true)] },
      otherDeploymentsCrashLooping: [],
    });
    expect(r.reasons).to.deep.equal(['OlderRevisionsCrashing']);
    expect(r.message).to.include('rule OlderRevisionsCrashing').and.include('revision 1: 2 of 2 pod(s) crash-looping').and.include('pods api-old-a1, api-old-b2');
    expect(r.message, 'the new revision\'s pod is not evidence').to.not.include('api-new-x1');
  });

  it('bounds the pods named', () => {
    const pods = Array.from({ length: MAX_NAMED_PODS + 3 }, (_, i) => pod(`api-old-${i}`, 1, true));
    const r = detectSharedCause({ podHealth: { byRevision: [rev(2, 1, 1), rev(1, pods.length, pods.length)], pods }, otherDeploymentsCrashLooping: [] });
    expect(r.message).to.include('and 3 more');
  });

  it('database down: the failed step and its reason code; a step or reason that is not a plain code is left out', () => {
    const steps = [{ step: 'dns', ok: true }, { step: 'tcp', ok: false, reason: 'ConnectionRefused' }, { step: 'tls', ok: false, reason: 'Skipped' }];
    const r = detectSharedCause({ podHealth: { byRevision: [rev(2, 1, 1)] }, otherDeploymentsCrashLooping: [], databaseReachable: false, databaseSteps: steps });
    expect(r.reasons).to.deep.equal(['DatabaseUnreachable']);
    expect(r.message).to.include('rule DatabaseUnreachable').and.include('(step tcp: ConnectionRefused)');
    const odd = detectSharedCause({ podHealth: { byRevision: [rev(2, 1, 1)] }, otherDeploymentsCrashLooping: [], databaseReachable: false, databaseSteps: [{ step: 'tcp', ok: false, reason: 'CANARY-9f3b2c7e1d user@host' }] });
    expect(odd.message).to.include('(step tcp)').and.not.include('CANARY');
  });
});
