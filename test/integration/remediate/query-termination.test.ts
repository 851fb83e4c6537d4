/**
 * Remediate, DatabasePerformance runbook: the operator process terminates long-running queries on a real
 * PostgreSQL, only with the opt-in (spec.database.terminateLongQueries), never a superuser session, and records
 * what it planned and did as fingerprints (no literal values) in status.remediation.
 */
import { expect } from 'chai';
import type pg from 'pg';
import { applyYaml, createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import { ensurePostgres, type PgHarness, type PgRole } from '../../harness/postgres.js';
import { createIncident, getIncident, sleep, summariseIncident, waitForIncidentPhase, type Json } from '../../harness/rollout.js';

const SSN = '078-05-1120';
const SECRET = 'orders-db';

interface Sleeper { pid: number; client: pg.Client; outcome: Promise<Error | null> }

describe('remediate: query termination on real PostgreSQL (operator process)', function () {
  let h: PgHarness;
  let ns: string;
  let op: OperatorProcess;
  let failed = false;

  /** A session running `sql` as `role`; resolves once the server shows it active. `outcome` is the client's error. */
  async function startSleeper(role: PgRole, sql: string): Promise<Sleeper> {
    const client = await h.connect(role);
    const pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const outcome = client.query(sql).then(() => null, (e: Error) => e);
    await waitFor(`pid ${pid} active`, async () =>
      (await h.adminQuery(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [pid], 'postgres'))[0]?.['state'] === 'active', 10_000, 50);
    return { pid, client, outcome };
  }
  const alive = async (pid: number): Promise<boolean> =>
    (await h.adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid], 'postgres')).length === 1;

  before(async () => {
    h = await ensurePostgres();
    ns = await createTestNamespace('rem-dbperf');
    await applyYaml(JSON.stringify({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: ns }, type: 'Opaque',
      stringData: { host: h.host, port: String(h.port), database: h.database, user: h.operator.user, password: h.operator.password, sslmode: 'disable' },
    }));
    op = startOperatorProcess({ namespaces: [ns] });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await h.closeSessions();
  });
  after(async () => {
    await stopOperators([op], failed, 40);
    await deleteNamespace(ns);
  });

  const database = (terminate: boolean) => ({
    secretRef: { name: SECRET }, longQueryThresholdSeconds: 1, terminateLongQueries: terminate, maxTerminations: 5,
  });

  it('with the opt-in: terminates only the app_user session and records fingerprints, never literals', async () => {
    const app = await startSleeper('appUser', `SELECT pg_sleep(60), '${SSN}' AS ssn`);
    const su = await startSleeper('superuser', 'SELECT pg_sleep(60)');
    await sleep(1500); // both over the 1 s threshold

    await createIncident({ name: 'db-slow', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database: database(true) });
    const inc: Json = await waitFor('remediation Succeeded', async () => {
      const i = await getIncident(ns, 'db-slow');
      return i.status?.remediation?.state === 'Succeeded' ? i : undefined;
    }, 60_000, 300).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(summariseIncident(await getIncident(ns, 'db-slow')))}`); });

    // The app_user client saw its session terminated; the superuser session is still running.
    const err = await app.outcome;
    expect(err?.message).to.equal('terminating connection due to administrator command');
    expect((err as Error & { code?: string }).code).to.equal('57P01');
    expect(await alive(app.pid)).to.equal(false);
    expect(await alive(su.pid)).to.equal(true);
    const running = await h.adminQuery(`SELECT pid, usename FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE 'SELECT pg_sleep%'`, [], 'postgres');
    expect(running.map((r) => Number(r['pid']))).to.deep.equal([su.pid]);

    const rem = inc.status.remediation;
    expect(rem).to.include({ action: 'TerminateQueries', state: 'Succeeded', reason: 'QueriesTerminated' });
    expect(rem.planned.map((p: Json) => p.pid)).to.deep.equal([app.pid]);
    expect(rem.planned[0]).to.include({ user: 'app_user' });
    expect(rem.planned[0].fingerprint).to.match(/pg_sleep\(\?\)/);
    expect(rem.terminated).to.have.length(1);
    expect(rem.terminated[0]).to.include({ pid: app.pid, result: 'Terminated' });
    expect(rem.terminated[0].fingerprint).to.equal(rem.planned[0].fingerprint);
    expect(rem.skipped).to.deep.include({ pid: su.pid, reason: 'SuperuserRole' });
    expect(inc.status.timeline.map((e: Json) => e.type)).to.include('TerminationIntended');

    const whole = JSON.stringify(inc);
    expect(whole).to.include('pg_sleep'); // the fingerprints are there...
    expect(whole, 'the literal never reaches the Incident').to.not.include(SSN);
    expect(op.output(), 'nor the operator log').to.not.include(SSN);
  });

  it('without the opt-in: terminates nothing and escalates with TerminationNotEnabled', async () => {
    const app = await startSleeper('appUser', `SELECT pg_sleep(60), '${SSN}' AS ssn`);
    const su = await startSleeper('superuser', 'SELECT pg_sleep(60)');
    await sleep(1500);

    await createIncident({ name: 'db-slow-no-optin', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database: database(false) });
    const inc = await waitForIncidentPhase(ns, 'db-slow-no-optin', 'Escalated', 60_000);
    expect(inc.status.phaseReason, JSON.stringify(summariseIncident(inc))).to.equal('TerminationNotEnabled');
    expect(inc.status.remediation?.state ?? 'None').to.not.equal('Succeeded');
    expect(inc.status.remediation?.terminated ?? []).to.deep.equal([]);
    expect(inc.status.diagnosis.database.load.longRunningQueries.length).to.be.at.least(2);

    await sleep(3000);
    expect(await alive(app.pid)).to.equal(true);
    expect(await alive(su.pid)).to.equal(true);
    const settledYet = await Promise.race([app.outcome.then(() => true), sleep(10).then(() => false)]);
    expect(settledYet, 'the app_user query is still running').to.equal(false);
    expect(JSON.stringify(await getIncident(ns, 'db-slow-no-optin'))).to.not.include(SSN);
  });
});
