import { expect } from 'chai';
import { diagnosisFindings } from '../../../src/diagnose/findings.js';
import type { DiagnosisStatus } from '../../../src/api/diagnosis.js';

function record(over: Partial<DiagnosisStatus> = {}): DiagnosisStatus {
  return {
    generation: 1, completedAt: '2026-11-27T03:00:00Z', summary: 's', checks: [],
    proposal: { action: 'None', reason: 'PodsHealthy', message: 'm' },
    ...over,
  };
}
const pods = (crashing: number) => ({ desired: 3, ready: 3 - crashing, available: 3 - crashing, total: 3, byRevision: [], pods: [], omittedPods: 0, waitingReasons: {}, crashLoopingPods: crashing, summary: `${3 - crashing}/3 ready` });

describe('diagnose/findings: diagnosisFindings', () => {
  const cases: [string, Partial<DiagnosisStatus>, [string, string][]][] = [
    ['nothing gathered: no finding', {}, []],
    ['healthy pods', { pods: pods(0) }, [['Normal', 'PodsChecked']]],
    ['crash-looping pods', { pods: pods(2) }, [['Warning', 'PodsCrashLooping']]],
    ['log signatures', { logs: { signatures: [{ signature: "ERROR connect ECONNREFUSED <ip>:<port>", count: 96 }], excerpt: [], errorLines: 96, linesScanned: 100, failures: [] } }, [['Warning', 'ErrorSignaturesFound']]],
    ['clean logs', { logs: { signatures: [], excerpt: [], errorLines: 0, linesScanned: 100, failures: [] } }, [['Normal', 'NoErrorSignatures']]],
    ['a last known good revision', { history: { revisions: [], currentRevision: 7, lastKnownGood: { revision: 6, source: 'Recorded', note: 'n' } } }, [['Normal', 'LastKnownGoodRevision']]],
    ['no known good revision', { history: { revisions: [], currentRevision: 1, lastKnownGood: { revision: null, source: 'None', note: 'n' } } }, [['Warning', 'NoKnownGoodRevision']]],
    ['a failed check', { checks: [{ name: 'logs', ok: false, durationMs: 3000, error: 'timed out after 3000 ms' }] }, [['Warning', 'CheckFailed']]],
    ['shared cause', { sharedCause: { shared: true, reasons: ['NamespaceWideCrashLoops'], message: 'two others crash' } }, [['Warning', 'SharedCauseSuspected']]],
  ];
  for (const [what, over, expected] of cases) {
    it(what, () => {
      expect(diagnosisFindings(record(over)).map((f) => [f.type, f.reason])).to.deep.equal(expected);
    });
  }

  it('names the top signature with its count', () => {
    const [f] = diagnosisFindings(record({ logs: { signatures: [{ signature: "'FATAL cannot start'", count: 3 }], excerpt: [], errorLines: 3, linesScanned: 40, failures: [] } }));
    expect(f!.message).to.include('x3').and.include('40 lines');
  });
});
