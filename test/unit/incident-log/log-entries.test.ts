import { expect } from 'chai';
import type { Incident, IncidentStatus, Severity, TimelineEntry } from '../../../src/api/incident.js';
import { appendTimeline } from '../../../src/decide/status-ops.js';
import {
  firstSeq, incidentLogRecord, isoOrNull, postmortemDueAt, summaryRow, timelineRows,
} from '../../../src/incident-log/log-entries.js';

const UID = '3f0c2a57-0d0e-4a51-9a43-6f1f1d2c0b11';

const entry = (i: number, over: Partial<TimelineEntry> = {}): TimelineEntry => ({
  time: new Date(Date.UTC(2025, 5, 2, 10, 0, i)).toISOString(),
  phase: 'Diagnosing',
  type: `Type${i}`,
  reason: `Reason${i}`,
  message: `message ${i}`,
  ...over,
});

const incident = (status: IncidentStatus | undefined, over: { severity?: Severity; uid?: string | null; target?: string } = {}): Incident => ({
  metadata: { name: 'api-5xx', namespace: 'patient-advocacy', ...(over.uid === null ? {} : { uid: over.uid ?? UID }), resourceVersion: '42' },
  spec: {
    severity: over.severity ?? 'P1', summary: 'API 5xx', runbook: 'APIOutage',
    ...(over.target === undefined ? { target: { kind: 'Deployment' as const, name: 'patient-advocacy-api' } } : over.target === '' ? {} : { target: { name: over.target } }),
  },
  status,
});

/** A status built the way the reconciler builds it: appendTimeline `n` times with a bound of `max`. */
const appended = (n: number, max: number): IncidentStatus => {
  let s: IncidentStatus = { phase: 'Diagnosing' };
  for (let i = 0; i < n; i += 1) s = appendTimeline(s, entry(i), max);
  return s;
};

describe('incident-log/log-entries', () => {
  describe('firstSeq', () => {
    const cases: { name: string; total: number | undefined; length: number; want: number }[] = [
      { name: 'nothing dropped', total: 5, length: 5, want: 0 },
      { name: 'older entries dropped', total: 57, length: 50, want: 7 },
      { name: 'timelineTotal missing: the visible entries only', total: undefined, length: 3, want: 0 },
      { name: 'total smaller than the timeline (inconsistent): visible entries only', total: 2, length: 4, want: 0 },
      { name: 'non-integer total ignored', total: 3.5, length: 2, want: 0 },
      { name: 'empty timeline', total: 9, length: 0, want: 9 },
    ];
    for (const c of cases) {
      it(c.name, () => expect(firstSeq(c.total, c.length)).to.equal(c.want));
    }
  });

  describe('timelineRows: seq is the absolute index, stable while the bounded timeline rolls', () => {
    const cases: { name: string; appendedCount: number; max: number; wantSeqs: number[]; wantTypes: string[] }[] = [
      { name: 'short timeline', appendedCount: 3, max: 5, wantSeqs: [0, 1, 2], wantTypes: ['Type0', 'Type1', 'Type2'] },
      { name: 'exactly full', appendedCount: 5, max: 5, wantSeqs: [0, 1, 2, 3, 4], wantTypes: ['Type0', 'Type1', 'Type2', 'Type3', 'Type4'] },
      { name: 'two dropped', appendedCount: 7, max: 5, wantSeqs: [2, 3, 4, 5, 6], wantTypes: ['Type2', 'Type3', 'Type4', 'Type5', 'Type6'] },
      { name: 'bound of one', appendedCount: 4, max: 1, wantSeqs: [3], wantTypes: ['Type3'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const rows = timelineRows(incident(appended(c.appendedCount, c.max)));
        expect(rows.map((r) => r.seq)).to.deep.equal(c.wantSeqs);
        expect(rows.map((r) => r.type)).to.deep.equal(c.wantTypes);
      });
    }

    it('the same entry keeps its seq in a later status with more entries dropped', () => {
      const before = timelineRows(incident(appended(6, 4)));
      const after = timelineRows(incident(appended(8, 4)));
      const bySeq = new Map(after.map((r) => [r.seq, r]));
      const common = before.filter((r) => bySeq.has(r.seq));
      expect(common.map((r) => r.seq)).to.deep.equal([4, 5]);
      for (const r of common) expect(bySeq.get(r.seq)).to.deep.equal(r);
    });
  });

  describe('timelineRows: columns', () => {
    it('copies the incident identity and each entry, message as-is (no redaction of numbers or dates)', () => {
      const msg = 'rolled back from revision 6 to revision 5; acknowledge by 2025-06-02T10:15:00.000Z';
      const rows = timelineRows(incident({ timeline: [entry(0, { message: msg, phase: 'Remediating', reason: 'RollbackSucceeded' })], timelineTotal: 1 }));
      expect(rows).to.deep.equal([{
        incidentUid: UID, seq: 0, namespace: 'patient-advocacy', name: 'api-5xx', severity: 'P1', runbook: 'APIOutage',
        target: 'patient-advocacy-api', time: '2025-06-02T10:00:00.000Z', phase: 'Remediating', type: 'Type0', reason: 'RollbackSucceeded', message: msg,
      }]);
    });

    const cases: { name: string; e: TimelineEntry; want: { time: string | null; phase: string | null; reason: string | null } }[] = [
      { name: 'optional phase and reason become null', e: { time: '2025-06-02T10:00:00Z', type: 'Opened', message: 'm' }, want: { time: '2025-06-02T10:00:00.000Z', phase: null, reason: null } },
      { name: 'an invalid time becomes null', e: { time: 'not-a-time', type: 'Opened', message: 'm', phase: 'Pending', reason: 'Opened' }, want: { time: null, phase: 'Pending', reason: 'Opened' } },
      { name: 'an offset time is normalised to UTC', e: { time: '2025-06-02T12:00:00+02:00', type: 'Opened', message: 'm' }, want: { time: '2025-06-02T10:00:00.000Z', phase: null, reason: null } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const [row] = timelineRows(incident({ timeline: [c.e], timelineTotal: 1 }));
        expect({ time: row?.time, phase: row?.phase, reason: row?.reason }).to.deep.equal(c.want);
      });
    }

    it('no uid, no status or an empty timeline give no rows', () => {
      expect(timelineRows(incident({ timeline: [entry(0)], timelineTotal: 1 }, { uid: null }))).to.deep.equal([]);
      expect(timelineRows(incident(undefined))).to.deep.equal([]);
      expect(timelineRows(incident({ timeline: [], timelineTotal: 0 }))).to.deep.equal([]);
    });

    it('an incident without target has target null', () => {
      expect(timelineRows(incident({ timeline: [entry(0)], timelineTotal: 1 }, { target: '' }))[0]?.target).to.equal(null);
    });
  });

  describe('postmortemDueAt: resolved P0/P1 + 48 h', () => {
    const cases: { name: string; severity: string | undefined; resolvedAt: string | undefined; want: string | null }[] = [
      { name: 'P0 resolved', severity: 'P0', resolvedAt: '2025-06-02T10:00:00Z', want: '2025-06-04T10:00:00.000Z' },
      { name: 'P1 resolved, across a month end', severity: 'P1', resolvedAt: '2025-06-29T23:30:00.250Z', want: '2025-07-01T23:30:00.250Z' },
      { name: 'P2 resolved: none', severity: 'P2', resolvedAt: '2025-06-02T10:00:00Z', want: null },
      { name: 'P3 resolved: none', severity: 'P3', resolvedAt: '2025-06-02T10:00:00Z', want: null },
      { name: 'P1 not resolved: none', severity: 'P1', resolvedAt: undefined, want: null },
      { name: 'P1 with an invalid resolvedAt: none', severity: 'P1', resolvedAt: 'yesterday', want: null },
      { name: 'no severity: none', severity: undefined, resolvedAt: '2025-06-02T10:00:00Z', want: null },
    ];
    for (const c of cases) {
      it(c.name, () => expect(postmortemDueAt(c.severity, c.resolvedAt)).to.equal(c.want));
    }
  });

  describe('summaryRow', () => {
    const status: IncidentStatus = {
      phase: 'Resolved', phaseReason: 'ResolvedAutomatically', openedAt: '2025-06-02T10:00:00Z', acknowledgedAt: '2025-06-02T10:05:00Z',
      resolvedAt: '2025-06-02T11:00:00Z', timeline: [entry(5), entry(6)], timelineTotal: 7,
    };
    const cases: { name: string; inc: Incident; want: Record<string, unknown> }[] = [
      {
        name: 'resolved P1', inc: incident(status),
        want: { phase: 'Resolved', phaseReason: 'ResolvedAutomatically', openedAt: '2025-06-02T10:00:00.000Z', acknowledgedAt: '2025-06-02T10:05:00.000Z', resolvedAt: '2025-06-02T11:00:00.000Z', postmortemDueAt: '2025-06-04T11:00:00.000Z', timelineTotal: 7 },
      },
      {
        name: 'resolved P2: no post-mortem due', inc: incident(status, { severity: 'P2' }),
        want: { phase: 'Resolved', phaseReason: 'ResolvedAutomatically', openedAt: '2025-06-02T10:00:00.000Z', acknowledgedAt: '2025-06-02T10:05:00.000Z', resolvedAt: '2025-06-02T11:00:00.000Z', postmortemDueAt: null, timelineTotal: 7 },
      },
      {
        name: 'open and unacknowledged', inc: incident({ phase: 'Diagnosing', openedAt: '2025-06-02T10:00:00Z', timeline: [entry(0)] }),
        want: { phase: 'Diagnosing', phaseReason: null, openedAt: '2025-06-02T10:00:00.000Z', acknowledgedAt: null, resolvedAt: null, postmortemDueAt: null, timelineTotal: 1 },
      },
      {
        name: 'no status yet', inc: incident(undefined),
        want: { phase: null, phaseReason: null, openedAt: null, acknowledgedAt: null, resolvedAt: null, postmortemDueAt: null, timelineTotal: 0 },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const row = summaryRow(c.inc);
        expect(row).to.not.equal(undefined);
        const { incidentUid, namespace, name, runbook, target, severity, ...rest } = row!;
        expect({ incidentUid, namespace, name, runbook, target }).to.deep.equal({ incidentUid: UID, namespace: 'patient-advocacy', name: 'api-5xx', runbook: 'APIOutage', target: 'patient-advocacy-api' });
        expect(severity).to.equal(c.inc.spec.severity);
        expect(rest).to.deep.equal(c.want);
      });
    }

    it('without uid there is no record at all', () => {
      expect(summaryRow(incident(status, { uid: null }))).to.equal(undefined);
      expect(incidentLogRecord(incident(status, { uid: null }))).to.equal(undefined);
    });

    it('incidentLogRecord combines entries and summary under the uid', () => {
      const rec = incidentLogRecord(incident(status));
      expect(rec?.incidentUid).to.equal(UID);
      expect(rec?.entries.map((e) => e.seq)).to.deep.equal([5, 6]);
      expect(rec?.summary.timelineTotal).to.equal(7);
    });
  });

  describe('isoOrNull', () => {
    const cases: [string | undefined | null, string | null][] = [
      ['2025-06-02T10:00:00Z', '2025-06-02T10:00:00.000Z'], ['', null], [undefined, null], [null, null], ['garbage', null],
    ];
    for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => expect(isoOrNull(input)).to.equal(want));
  });
});
