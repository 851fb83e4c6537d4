/**
 * The durable incident log end to end: the real operator process writes every Incident timeline entry and a
 * summary row (with the post-mortem due time) into the real PostgreSQL under the non-superuser operator role;
 * a SIGKILL and restart replays the writes without duplicating rows; with the database stopped the operator
 * keeps reconciling and the rows arrive once the database is back.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { httpGet, logRecords, type Json } from '../../harness/operator-observe.js';
import { listenerAddress } from '../../harness/listeners.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';
import { applyDeployment, createIncident, getIncident, waitForHealthy, waitForIncidentPhase } from '../../harness/rollout.js';

const IMAGE = 'registry.example/patient-advocacy-api:1.0.0';
const TARGET = 'patient-advocacy-api';
const HOUR_MS = 3_600_000;

interface EntryRow { seq: number; namespace: string; name: string; severity: string; runbook: string | null; target: string | null; time: string | null; phase: string | null; type: string; reason: string | null; message: string; recordedAt: string }
interface SummaryRow { phase: string | null; severity: string; openedAt: string | null; acknowledgedAt: string | null; resolvedAt: string | null; postmortemDueAt: string | null; timelineTotal: number }

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : typeof v === 'string' || typeof v === 'number' ? String(v) : null);

describe('incident-log: durable incident log in PostgreSQL (operator process)', function () {
  let pg: PgHarness;
  let ns: string;
  let database: string;
  let urlDir: string;
  let urlFile: string;
  const ops: OperatorProcess[] = [];
  let op: OperatorProcess;

  const startOperator = async (): Promise<OperatorProcess> => {
    const p = startOperatorProcess({
      namespaces: [ns],
      env: {
        INCIDENT_LOG_DATABASE_URL_FILE: urlFile,
        INCIDENT_LOG_RESYNC_SECONDS: '3',
        METRICS_HOST: '127.0.0.1', METRICS_PORT: '0',
        // a SIGKILLed leader does not release the Lease: keep the takeover short (but a 3 s renew deadline could
        // make a busy leader on a loaded machine step down and exit mid-test)
        LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '500',
      },
    });
    ops.push(p);
    await p.waitForLog(/leading: workers started/);
    return p;
  };

  const entries = async (uid: string): Promise<EntryRow[]> =>
    (await pg.adminQuery(
      `SELECT seq, namespace, name, severity, runbook, target, "time", phase, type, reason, message, recorded_at
         FROM incident_log.timeline_entries WHERE incident_uid = $1 ORDER BY seq`, [uid], database,
    )).map((r) => ({
      seq: Number(r.seq), namespace: String(r.namespace), name: String(r.name), severity: String(r.severity),
      runbook: r.runbook as string | null, target: r.target as string | null, time: iso(r.time), phase: r.phase as string | null,
      type: String(r.type), reason: r.reason as string | null, message: String(r.message), recordedAt: iso(r.recorded_at)!,
    }));

  const summary = async (uid: string): Promise<SummaryRow | undefined> => {
    const [r] = await pg.adminQuery(
      `SELECT phase, severity, opened_at, acknowledged_at, resolved_at, postmortem_due_at, timeline_total
         FROM incident_log.incidents WHERE incident_uid = $1`, [uid], database,
    );
    return r && {
      phase: r.phase as string | null, severity: String(r.severity), openedAt: iso(r.opened_at), acknowledgedAt: iso(r.acknowledged_at),
      resolvedAt: iso(r.resolved_at), postmortemDueAt: iso(r.postmortem_due_at), timelineTotal: Number(r.timeline_total),
    };
  };

  /** The status timeline as the log should hold it (the incident's timeline is short here: nothing dropped). */
  const expectedRows = (inc: Json) => (inc.status.timeline as Json[]).map((e, i) => ({
    seq: i, namespace: ns, name: inc.metadata.name, severity: inc.spec.severity, runbook: inc.spec.runbook ?? null, target: inc.spec.target?.name ?? null,
    time: new Date(e.time).toISOString(), phase: e.phase ?? null, type: e.type, reason: e.reason ?? null, message: e.message,
  }));
  const withoutRecordedAt = (rows: EntryRow[]) => rows.map(({ recordedAt: _, ...rest }) => rest);

  /** Waits until the log holds exactly the incident's current timeline and a summary of its current state. */
  const waitForLogged = async (name: string, timeoutMs = 60_000): Promise<{ inc: Json; rows: EntryRow[]; sum: SummaryRow }> => {
    let last: unknown;
    try {
      return await waitFor(`incident log rows for ${name}`, async () => {
        const inc = await getIncident(ns, name);
        const rows = await entries(inc.metadata.uid).catch(() => []);
        const sum = await summary(inc.metadata.uid).catch(() => undefined);
        last = { total: inc.status?.timelineTotal, rows: rows.length, sum };
        const want = expectedRows(inc);
        const same = JSON.stringify(withoutRecordedAt(rows)) === JSON.stringify(want);
        return same && sum && sum.timelineTotal === inc.status.timelineTotal && sum.phase === inc.status.phase ? { inc, rows, sum } : undefined;
      }, timeoutMs, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last)}`, { cause: e });
    }
  };

  const metric = async (name: string): Promise<number | undefined> => {
    const res = await httpGet(`http://${await listenerAddress(op, 'metrics')}/metrics`);
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body);
    return m ? Number(m[1]) : undefined;
  };

  before(async function () {
    this.timeout(180_000);
    pg = await ensurePostgres();
    database = `incident_log_${randomBytes(4).toString('hex')}`;
    // The admin's part (README): a database (or schema) for the log, owned by / granted to the operator role.
    await pg.adminQuery(`CREATE DATABASE ${database}`, [], 'postgres');
    await pg.adminQuery(`GRANT CONNECT ON DATABASE ${database} TO ${pg.operator.user}`, [], 'postgres');
    await pg.adminQuery(`CREATE SCHEMA incident_log AUTHORIZATION ${pg.operator.user}`, [], database);
    urlDir = mkdtempSync(join(tmpdir(), 'incident-log-url-'));
    urlFile = join(urlDir, 'url');
    writeFileSync(urlFile,
      `postgresql://${encodeURIComponent(pg.operator.user)}:${encodeURIComponent(pg.operator.password)}@127.0.0.1:${pg.port}/${database}?sslmode=disable\n`,
      { mode: 0o600 });
    ns = await createTestNamespace('inc-log');
    await applyDeployment({ name: TARGET, namespace: ns, image: IMAGE });
    await waitForHealthy(ns, TARGET, IMAGE);
    op = await startOperator();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(op.output().split('\n').slice(-40).join('\n'));
  });
  after(async function () {
    this.timeout(120_000);
    await pg?.start().catch(() => undefined);
    for (const p of ops) await p.kill('SIGKILL');
    if (ns) await deleteNamespace(ns);
    if (database) await pg.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, [], 'postgres').catch(() => undefined);
    if (urlDir) rmSync(urlDir, { recursive: true, force: true });
  });

  describe('a P1 incident on a healthy target', () => {
    const name = 'log-api-5xx';
    let uid: string;

    before(async () => {
      await createIncident({ name, namespace: ns, severity: 'P1', target: TARGET });
      const inc = await waitForIncidentPhase(ns, name, 'Resolved', 90_000);
      uid = inc.metadata.uid;
    });

    it('writes one row per timeline entry, in order, with the messages exactly as in status', async () => {
      const { inc, rows } = await waitForLogged(name);
      const types = rows.map((r) => r.type);
      for (const t of ['Opened', 'PhaseDiagnosing', 'Diagnosed', 'PhaseMonitoring', 'PhaseResolved']) expect(types, t).to.include(t);
      expect(types.indexOf('Opened')).to.be.below(types.indexOf('PhaseResolved'));
      expect(rows.map((r) => r.seq)).to.deep.equal(rows.map((_, i) => i));
      expect(rows.length).to.equal(inc.status.timelineTotal);
      // Not passed through redactText: digits and timestamps survive ("acknowledge by 2025-…").
      const opened = rows.find((r) => r.type === 'Opened')!;
      expect(opened.message).to.equal((inc.status.timeline as Json[]).find((e) => e.type === 'Opened').message);
      expect(opened.message).to.match(/^P1 incident opened: acknowledge by \d{4}-\d\d-\d\dT/);
    });

    it('keeps a summary row: resolved_at and a post-mortem due 48 h later (P1)', async () => {
      const { inc, sum } = await waitForLogged(name);
      expect(sum.phase).to.equal('Resolved');
      expect(sum.severity).to.equal('P1');
      expect(sum.openedAt).to.equal(new Date(inc.status.openedAt).toISOString());
      expect(sum.resolvedAt).to.equal(new Date(inc.status.resolvedAt).toISOString());
      expect(Date.parse(sum.postmortemDueAt!) - Date.parse(sum.resolvedAt!)).to.equal(48 * HOUR_MS);
    });

    it('never logs the connection string or the password; tables created by the non-superuser role', async () => {
      const out = op.output();
      expect(out).to.not.include(pg.operator.password);
      expect(out).to.not.include(`:${pg.port}/${database}`);
      expect(logRecords(op, 'incident log: tables ready')).to.have.length.at.least(1);
      const [owner] = await pg.adminQuery(`SELECT tableowner FROM pg_tables WHERE schemaname = 'incident_log' AND tablename = 'timeline_entries'`, [], database);
      expect(owner?.tableowner).to.equal(pg.operator.user);
    });

    it('SIGKILL and restart: the new process replays the incident and no row is duplicated or rewritten', async () => {
      const before = await entries(uid);
      expect(before.length).to.be.above(0);
      const killed = op;
      await killed.kill('SIGKILL');
      op = await startOperator();
      // The resync from the informer cache writes the incident again (it was written by the killed process only).
      const rec = await op.waitForLog(new RegExp(`"message":"incident log: written".*"uid":"${uid}"`), 60_000);
      expect(rec.inserted).to.equal(0);
      const after = await entries(uid);
      expect(after).to.deep.equal(before); // same seqs, same recorded_at: nothing re-inserted
      const [dups] = await pg.adminQuery(
        `SELECT count(*)::int AS n, count(DISTINCT (incident_uid, seq))::int AS d FROM incident_log.timeline_entries`, [], database);
      expect(dups?.n).to.equal(dups?.d);
    });
  });

  describe('the database down for a while', () => {
    const name = 'log-search-degraded';

    it('the operator keeps reconciling; the rows arrive after the database is back', async function () {
      this.timeout(240_000);
      await pg.stop();
      try {
        await createIncident({ name, namespace: ns, severity: 'P3', target: TARGET });
        const inc = await waitForIncidentPhase(ns, name, 'Resolved', 90_000);
        expect(inc.status.resolvedAt).to.be.a('string');
        await op.waitForLog(/"message":"incident log: write failed, retrying"/, 30_000);
        expect(await metric('incident_operator_incident_log_pending')).to.be.at.least(1);
        expect(await metric('incident_operator_incident_log_failures_total')).to.be.above(0);
      } finally {
        await pg.start();
      }
      const { inc, rows, sum } = await waitForLogged(name, 90_000);
      expect(rows.length).to.equal(inc.status.timelineTotal);
      expect(rows.map((r) => r.type)).to.include.members(['Opened', 'PhaseResolved']);
      expect(sum.resolvedAt).to.equal(new Date(inc.status.resolvedAt).toISOString());
      expect(sum.postmortemDueAt).to.equal(null); // P3: no post-mortem required
      await waitFor('pending back to 0', async () => (await metric('incident_operator_incident_log_pending')) === 0, 30_000, 500);
      expect(logRecords(op, 'incident log: database reachable again, writing')).to.have.length.at.least(1);
    });
  });
});
