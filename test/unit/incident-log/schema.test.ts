import { expect } from 'chai';
import type { SummaryRow, TimelineRow } from '../../../src/incident-log/log-entries.js';
import { createTablesSql, insertEntries, logTables, SchemaNameError, upsertSummary, validateSchemaName } from '../../../src/incident-log/schema.js';

const row = (seq: number, message = `m${seq}`): TimelineRow => ({
  incidentUid: 'uid-1', seq, namespace: 'ns', name: 'inc', severity: 'P1', runbook: 'APIOutage', target: 'api',
  time: '2025-06-02T10:00:00.000Z', phase: 'Pending', type: 'Opened', reason: 'Opened', message,
});

describe('incident-log/schema', () => {
  describe('validateSchemaName', () => {
    const cases: { name: string; input: string; ok: boolean }[] = [
      { name: 'default', input: 'incident_log', ok: true },
      { name: 'leading underscore and digits', input: '_log2', ok: true },
      { name: '63 characters', input: 'a'.repeat(63), ok: true },
      { name: '64 characters', input: 'a'.repeat(64), ok: false },
      { name: 'upper case', input: 'IncidentLog', ok: false },
      { name: 'quote injection', input: 'x"; DROP TABLE y; --', ok: false },
      { name: 'dot (qualified name)', input: 'a.b', ok: false },
      { name: 'leading digit', input: '1log', ok: false },
      { name: 'empty', input: '', ok: false },
      { name: 'system schema prefix', input: 'pg_catalog', ok: false },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.ok ? 'accepted' : 'rejected'}`, () => {
        if (c.ok) expect(validateSchemaName(c.input)).to.equal(c.input);
        else expect(() => validateSchemaName(c.input)).to.throw(SchemaNameError);
      });
    }
  });

  it('qualifies and quotes the table names', () => {
    expect(logTables('audit')).to.deep.equal({ schema: 'audit', entries: '"audit"."timeline_entries"', incidents: '"audit"."incidents"', postmortems: '"audit"."postmortems"' });
    expect(logTables().schema).to.equal('incident_log');
  });

  it('DDL is idempotent and keys timeline rows by (incident_uid, seq)', () => {
    const ddl = createTablesSql(logTables());
    for (const s of ddl) expect(s).to.match(/^CREATE (TABLE|INDEX) IF NOT EXISTS /);
    expect(ddl[0]).to.include('PRIMARY KEY (incident_uid, seq)');
    expect(ddl[1]).to.match(/incident_uid text PRIMARY KEY/);
    expect(ddl[1]).to.include('postmortem_due_at timestamptz');
  });

  describe('insertEntries', () => {
    const cases: { name: string; rows: TimelineRow[]; wantTuples: number }[] = [
      { name: 'one row', rows: [row(0)], wantTuples: 1 },
      { name: 'three rows', rows: [row(0), row(1), row(2)], wantTuples: 3 },
    ];
    for (const c of cases) {
      it(`${c.name}: parameters only, ON CONFLICT DO NOTHING`, () => {
        const { text, values } = insertEntries(logTables(), c.rows);
        expect(values).to.have.length(12 * c.wantTuples);
        expect(text.match(/\(\$\d+(, \$\d+){11}\)/g)).to.have.length(c.wantTuples);
        expect(text).to.match(/ON CONFLICT \(incident_uid, seq\) DO NOTHING$/);
        expect(text).to.not.include('m0');
        expect(values.slice(0, 12)).to.deep.equal(['uid-1', 0, 'ns', 'inc', 'P1', 'APIOutage', 'api', '2025-06-02T10:00:00.000Z', 'Pending', 'Opened', 'Opened', 'm0']);
      });
    }
    it('a message with quotes stays a parameter', () => {
      const { text, values } = insertEntries(logTables(), [row(0, "it's '); DROP TABLE x; --")]);
      expect(text).to.not.include('DROP');
      expect(values[11]).to.equal("it's '); DROP TABLE x; --");
    });
    it('refuses an empty batch', () => expect(() => insertEntries(logTables(), [])).to.throw(RangeError));
  });

  it('upsertSummary never moves a summary backwards', () => {
    const s: SummaryRow = {
      incidentUid: 'uid-1', namespace: 'ns', name: 'inc', severity: 'P1', runbook: null, target: null, phase: 'Resolved', phaseReason: 'X',
      openedAt: null, acknowledgedAt: null, resolvedAt: '2025-06-02T10:00:00.000Z', postmortemDueAt: '2025-06-04T10:00:00.000Z', timelineTotal: 9,
    };
    const { text, values } = upsertSummary(logTables(), s);
    expect(values).to.have.length(13);
    expect(values[0]).to.equal('uid-1');
    expect(values[12]).to.equal(9);
    expect(text).to.include('ON CONFLICT (incident_uid) DO UPDATE SET');
    expect(text).to.match(/WHERE cur\.timeline_total <= EXCLUDED\.timeline_total$/);
    expect(text).to.not.include('Resolved');
  });
});
