/**
 * The per-server termination budget, end to end (operator process, real PostgreSQL):
 *  - three Incidents against one server, budget 2 → at most 2 terminations in total;
 *  - SIGKILL of the operator between intent and signal (failpoint exit-after-termination-intent) → the restarted
 *    operator signals the recorded intents (no new units), reports what it had done, and a later Incident still
 *    cannot exceed the budget.
 */
import { expect } from 'chai';
import { applyYaml, createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess, stopOperators } from '../../harness/operator-process.js';
import { PileUps, type PileupSession } from '../../harness/pg-pileups.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';
import { createIncident, getIncident, sleep, summariseIncident, type Json } from '../../harness/rollout.js';

const SECRET = 'orders-db';
/**
 * A SIGKILLed leader does not release the Lease: short enough for a quick takeover, long enough that a busy leader's
 * renewals survive a loaded machine (a 2 s renew deadline could make the leader step down and exit mid-test).
 */
const LEASE_ENV = { LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '500' };
const BUDGET_ENV = { ...LEASE_ENV, TERMINATION_BUDGET_MAX: '2', TERMINATION_BUDGET_WINDOW_SECONDS: '600', TERMINATION_VERIFY_SECONDS: '2' };

describe('remediate: the per-server termination budget (operator process, real PostgreSQL)', function () {
  let h: PgHarness;
  let p: PileUps;
  const operators: OperatorProcess[] = [];
  const namespaces: string[] = [];
  let failed = false;

  before(async () => {
    h = await ensurePostgres();
    p = new PileUps(h);
    await p.prepare();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await p.close();
  });
  after(async () => {
    await stopOperators(operators, failed, 40);
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  async function namespace(prefix: string): Promise<string> {
    const ns = await createTestNamespace(prefix, { 'runbook.dev/remediation': 'enabled' });
    namespaces.push(ns);
    await applyYaml(JSON.stringify({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: ns }, type: 'Opaque',
      stringData: { host: h.host, port: String(h.port), database: h.database, user: h.operator.user, password: h.operator.password, sslmode: 'disable' },
    }));
    return ns;
  }
  const database = { secretRef: { name: SECRET }, longQueryThresholdSeconds: 1, terminateLongQueries: true, maxTerminations: 3 };

  /** Three independent pile-ups: a blocker with one victim each. */
  async function threePileUps(): Promise<{ blockers: PileupSession[]; victims: PileupSession[] }> {
    const blockers: PileupSession[] = [];
    const victims: PileupSession[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await p.table('budget');
      blockers.push(await p.shortStatementBlocker(t));
      victims.push(await p.waiter(`SELECT count(*) FROM ${t}`));
    }
    await sleep(1300);
    return { blockers, victims };
  }
  const terminated = (inc: Json): Json[] => (inc.status?.remediation?.terminations ?? []).filter((t: Json) => t.result === 'Terminated');
  const aliveCount = async (ss: PileupSession[]): Promise<number> => {
    let n = 0;
    for (const s of ss) if (await p.alive(s)) n += 1;
    return n;
  };

  it('three Incidents against one server with a budget of 2: at most 2 terminations in total', async () => {
    const ns = await namespace('rem-budget');
    const op = startOperatorProcess({ namespaces: [ns], env: BUDGET_ENV });
    operators.push(op);
    await op.waitForLog(/leading: workers started/, 60_000);
    const { blockers } = await threePileUps();

    await Promise.all(['db-a', 'db-b', 'db-c'].map((name) => createIncident({ name, namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database })));
    const incidents: Json[] = await waitFor('all three remediations to settle', async () => {
      const all = await Promise.all(['db-a', 'db-b', 'db-c'].map((n) => getIncident(ns, n)));
      return all.every((i) => ['Succeeded', 'Failed', 'Skipped'].includes(i.status?.remediation?.state)) ? all : undefined;
    }, 90_000, 500);

    const all = incidents.flatMap(terminated);
    expect(all.length, JSON.stringify(incidents.map(summariseIncident))).to.equal(2);
    expect(new Set(all.map((t: Json) => t.pid)).size).to.equal(2);
    expect(await aliveCount(blockers), 'the third blocker is left: the budget is spent').to.equal(1);
    for (const i of incidents) expect(i.status.remediation.state, i.metadata.name).to.equal('Failed');
    const exhausted = incidents.filter((i) => i.status.remediation.reason === 'TerminationBudgetExhausted');
    expect(exhausted.length).to.be.at.least(1);
    expect(exhausted[0].status.remediation.message).to.match(/termination budget of 2 per 600s for this server spent/);
    // a while later, still 2
    await sleep(2000);
    const again = await Promise.all(['db-a', 'db-b', 'db-c'].map((n) => getIncident(ns, n)));
    expect(again.flatMap(terminated).length).to.equal(2);
  });

  it('SIGKILL between intent and signal: the restarted operator signals what was recorded, never more than the budget', async () => {
    const ns = await namespace('rem-budget-kill');
    const first = startOperatorProcess({ namespaces: [ns], env: { ...BUDGET_ENV, INCIDENT_OPERATOR_FAILPOINT: 'exit-after-termination-intent' } });
    operators.push(first);
    await first.waitForLog(/leading: workers started/, 60_000);
    const { blockers, victims } = await threePileUps();

    await createIncident({ name: 'db-kill', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database });
    await waitFor('the operator to kill itself at the failpoint', () => first.exited(), 60_000, 200);
    expect(first.proc.signalCode).to.equal('SIGKILL');

    // The intents are durable; nothing was signalled.
    const recorded = await getIncident(ns, 'db-kill');
    const rem = recorded.status.remediation;
    expect(rem, JSON.stringify(summariseIncident(recorded))).to.include({ state: 'Intended', action: 'TerminateQueries', reason: 'TerminationIntended' });
    expect(rem.terminations).to.have.length(2);
    expect(rem.terminations.every((t: Json) => t.result === undefined)).to.equal(true);
    expect(await aliveCount(blockers)).to.equal(3);

    // Restart without the failpoint: the recorded intents are executed, and reported as resumed.
    const second = startOperatorProcess({ namespaces: [ns], env: BUDGET_ENV });
    operators.push(second);
    const done: Json = await waitFor('the resumed remediation to settle', async () => {
      const i = await getIncident(ns, 'db-kill');
      return ['Succeeded', 'Failed'].includes(i.status?.remediation?.state) ? i : undefined;
    }, 90_000, 500);
    const intended = rem.terminations.map((t: Json) => t.pid);
    expect(terminated(done).map((t: Json) => t.pid)).to.have.members(intended);
    expect(done.status.remediation.message).to.match(/resumed after a restart: pid \d+ terminated now, pid \d+ terminated now/);
    expect(done.status.remediation.state, 'one blocker is left: budget spent').to.equal('Failed');
    expect(await aliveCount(blockers)).to.equal(1);
    const freed = victims.filter((_, i) => intended.includes(blockers[i]!.pid));
    for (const v of freed) expect(await v.settled).to.deep.equal({ ok: true });

    // A second Incident on the same server: the budget is spent, it terminates nobody.
    await createIncident({ name: 'db-kill-2', namespace: ns, runbook: 'DatabasePerformance', severity: 'P2', database });
    const later: Json = await waitFor('the second incident to settle', async () => {
      const i = await getIncident(ns, 'db-kill-2');
      return ['Succeeded', 'Failed', 'Skipped'].includes(i.status?.remediation?.state) ? i : undefined;
    }, 60_000, 500);
    expect(later.status.remediation, JSON.stringify(summariseIncident(later))).to.include({ state: 'Failed', reason: 'TerminationBudgetExhausted' });
    expect(terminated(later)).to.deep.equal([]);
    expect(later.status.remediation.budget.usedBefore).to.equal(2);
    expect(await aliveCount(blockers)).to.equal(1);
  });
});
