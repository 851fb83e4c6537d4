/**
 * Remediate, DatabasePerformance runbook, end to end: the operator process against a real PostgreSQL lock pile-up.
 * The reported bug: one session holding ACCESS EXCLUSIVE inside a transaction while issuing only short statements,
 * five sessions waiting, `terminateLongQueries: true`, `maxTerminations: 3`. A DBA terminates one session — the
 * blocker — and so must the operator; the victims' statements complete, and status explains the termination.
 * A superuser blocker: touch nobody, escalate naming it. Without the opt-in: nothing, escalate.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { applyYaml, createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import { PileUps, type PileupSession } from '../../harness/pg-pileups.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';
import { createIncident, getIncident, sleep, summariseIncident, timelineTypes, waitForIncidentPhase, type Json } from '../../harness/rollout.js';

const SSN = '078-05-1120';
const SECRET = 'orders-db';

describe('remediate: lock pile-ups on real PostgreSQL (operator process)', function () {
  let h: PgHarness;
  let p: PileUps;
  let ns: string;
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    h = await ensurePostgres();
    p = new PileUps(h);
    await p.prepare();
    ns = await createTestNamespace('rem-dbperf', { 'runbook.dev/remediation': 'enabled' });
    await applyYaml(JSON.stringify({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: ns }, type: 'Opaque',
      stringData: { host: h.host, port: String(h.port), database: h.database, user: h.operator.user, password: h.operator.password, sslmode: 'disable' },
    }));
    op = startOperatorProcess({ namespaces: [ns], env: { TERMINATION_VERIFY_SECONDS: '3' } });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await p.close();
  });
  after(async () => {
    await stopOperators([op], failed, 40);
    await deleteNamespace(ns);
  });

  const database = (terminate: boolean, maxTerminations = 3) => ({
    secretRef: { name: SECRET }, longQueryThresholdSeconds: 1, terminateLongQueries: terminate, maxTerminations,
  });
  const settledRemediation = (name: string, states: string[]): Promise<Json> =>
    waitFor(`remediation of ${name} in ${states.join('/')}`, async () => {
      const i = await getIncident(ns, name);
      return states.includes(i.status?.remediation?.state) ? i : undefined;
    }, 60_000, 300).catch(async (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(summariseIncident(await getIncident(ns, name)))}`); });

  it('the reported pile-up: terminates the blocker only, the five victims complete, status says why', async () => {
    const t = await p.table('orders');
    const blocker = await p.shortStatementBlocker(t);
    const victims: PileupSession[] = [];
    for (let i = 0; i < 5; i++) victims.push(await p.waiter(`SELECT count(*), '${SSN}' FROM ${t}`));
    await sleep(1300);

    await createIncident({ name: 'pileup', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database: database(true, 3) });
    const inc = await settledRemediation('pileup', ['Succeeded', 'Failed']);
    const rem = inc.status.remediation;
    expect(rem.state, rem.message).to.equal('Succeeded');
    expect(rem.reason).to.equal('QueriesTerminated');
    expect(rem.terminations.map((x: Json) => [x.pid, x.why, x.waiters, x.result])).to.deep.equal([[blocker.pid, 'RootBlocker', 5, 'Terminated']]);
    expect(rem.message).to.match(new RegExp(`terminated 1 session: pid ${blocker.pid} \\(root blocker of 5 waiters\\)`));
    expect(rem.verification).to.include({ ok: true });

    expect(await p.alive(blocker)).to.equal(false);
    for (const v of victims) {
      expect(await v.settled, `victim ${v.pid} completed, never terminated`).to.deep.equal({ ok: true });
    }
    expect(await p.waitingCount()).to.equal(0);
    const types = timelineTypes(inc);
    expect(types).to.include('TerminationIntended').and.include('SessionTerminated');
    expect(types.indexOf('TerminationIntended')).to.be.below(types.indexOf('SessionTerminated'));
    const phase = await waitForIncidentPhase(ns, 'pileup', ['Monitoring', 'Resolved'], 30_000);
    expect(phase.status.phase).to.be.oneOf(['Monitoring', 'Resolved']);
    const whole = JSON.stringify(await getIncident(ns, 'pileup'));
    expect(whole, 'the literal never reaches the Incident').to.not.include(SSN);
    expect(op.output(), 'nor the operator log').to.not.include(SSN);
  });

  it('a superuser blocker: escalates naming its role, application and fingerprint, touches nobody', async () => {
    const t = await p.table('ledger');
    const app = `CANARY-${randomBytes(6).toString('hex')}@example.com`;
    const blocker = await p.shortStatementBlocker(t, 'superuser', { application: app });
    const victims = await p.victims(t, 3);
    await sleep(1300);

    await createIncident({ name: 'su-blocker', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database: database(true, 3) });
    const inc = await waitForIncidentPhase(ns, 'su-blocker', 'Escalated', 60_000);
    const rem = inc.status.remediation;
    expect(rem, JSON.stringify(summariseIncident(inc))).to.include({ state: 'Failed', reason: 'BlockerNotEligible' });
    expect(inc.status.phaseReason).to.equal('RemediationFailed');
    expect(rem.terminations ?? []).to.deep.equal([]);
    expect(rem.ineligibleBlockers.map((b: Json) => [b.pid, b.reason, b.waiters])).to.deep.equal([[blocker.pid, 'SuperuserRole', 3]]);
    expect(rem.message).to.include(`root blocker pid ${blocker.pid}`).and.include('SuperuserRole').and.include('SELECT ?');
    expect(timelineTypes(inc)).to.include('BlockerNotEligible').and.not.include('TerminationIntended');
    expect(await p.alive(blocker)).to.equal(true);
    for (const v of victims) expect(await p.alive(v)).to.equal(true);
    expect(JSON.stringify(inc), 'the e-mail-like application_name is redacted').to.not.include(app);
    expect(op.output()).to.not.include(app);
  });

  it('without the opt-in: terminates nothing and escalates with TerminationNotEnabled', async () => {
    const t = await p.table('noopt');
    const blocker = await p.shortStatementBlocker(t);
    const victims = await p.victims(t, 2);
    await sleep(1300);

    await createIncident({ name: 'no-optin', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database: database(false) });
    const inc = await waitForIncidentPhase(ns, 'no-optin', 'Escalated', 60_000);
    expect(inc.status.phaseReason, JSON.stringify(summariseIncident(inc))).to.equal('TerminationNotEnabled');
    expect(inc.status.remediation?.terminations ?? []).to.deep.equal([]);
    const load = inc.status.diagnosis.database.load;
    expect(load.longRunningQueries.length).to.be.at.least(2);
    expect(load.transactions.lockHolders.map((x: Json) => x.pid), 'the lock holder is in the diagnosis').to.include(blocker.pid);
    expect(load.transactions.waitingForLocks).to.equal(2);
    await sleep(2000);
    expect(await p.alive(blocker)).to.equal(true);
    for (const v of victims) expect(await p.alive(v)).to.equal(true);
  });
});
