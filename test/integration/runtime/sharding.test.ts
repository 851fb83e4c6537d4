/**
 * Sharding beyond one leader (issue 17): two shards over many namespaces, shard 0 with two replicas
 * (one Lease, one active), shard 1 with one. Every namespace is handled by exactly one shard; when shard
 * 0's active replica is SIGKILLed its standby takes the shard's namespaces over; no namespace is ever
 * handled by both shards. "Handled" = the operator process wrote that Incident's status (its log).
 */
import { expect } from 'chai';
import { createTestNamespace, deleteNamespace, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { deleteLease, waitForSingleLeader } from '../../harness/operator-observe.js';
import { applyDeployment, createIncident, getIncident, waitForHealthy } from '../../harness/rollout.js';
import { shardOf } from '../../../src/decide/shard.js';

const NAMESPACES = 8;
const LEASE = `shard-test-${Date.now().toString(36)}`;

/** Namespaces whose Incident status this process wrote. */
function handled(op: OperatorProcess): Set<string> {
  const out = new Set<string>();
  for (const l of op.logLines()) if (l.message === 'incident status written' && typeof l.incident === 'string') out.add(l.incident.split('/')[0]!);
  return out;
}

describe('runtime: sharding by namespace (operator processes)', function () {
  this.timeout(8 * 60_000);
  const namespaces: string[] = [];
  let shard0: OperatorProcess[] = [];
  let shard1: OperatorProcess;

  before(async () => {
    // Enough namespaces that both shards own some.
    while (namespaces.length < NAMESPACES || new Set(namespaces.map((n) => shardOf(n, 2))).size < 2) namespaces.push(await createTestNamespace('shard'));
    for (const ns of namespaces) await applyDeployment({ name: 'api', namespace: ns, image: 'registry.example/api:1', replicas: 1 });
    for (const ns of namespaces) await waitForHealthy(ns, 'api', 'registry.example/api:1');
    // Default Lease timings (15 s / 10 s / 2 s): shorter ones lose leadership on a loaded 2-core machine.
    const start = (index: number) => startOperatorProcess({ namespaces, leaseName: LEASE, env: { SHARD_COUNT: '2', SHARD_INDEX: String(index) } });
    shard0 = [start(0), start(0)];
    shard1 = start(1);
    await waitForSingleLeader(shard0);
    await shard1.waitForLog(/leading: workers started/);
  });
  let failed = false;
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async function () {
    await stopOperators([...shard0, shard1], failed, 25);
    for (const i of [0, 1]) await deleteLease(`${LEASE}-shard-${i}-of-2`).catch(() => undefined);
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  const incidentsIn = async (suffix: string, nss: string[]) => {
    for (const ns of nss) await createIncident({ name: `inc-${suffix}`, namespace: ns, severity: 'P3', summary: 'sharding', target: 'api', runbook: 'CrashLoop' });
    for (const ns of nss) {
      await waitFor(`incident ${ns}/inc-${suffix} reconciled`, async () => ((await getIncident(ns, `inc-${suffix}`)).status?.phase ? true : undefined), 90_000, 500);
    }
  };

  it('every namespace is handled by exactly one shard, the one its hash names', async () => {
    await incidentsIn('a', namespaces);
    const byShard = [new Set([...handled(shard0[0]!), ...handled(shard0[1]!)]), handled(shard1)];
    for (const ns of namespaces) {
      const owners = [0, 1].filter((s) => byShard[s]!.has(ns));
      expect(owners, `namespace ${ns}`).to.deep.equal([shardOf(ns, 2)]);
    }
    const active0 = shard0.filter((op) => handled(op).size > 0);
    expect(active0, 'one replica of shard 0 works, the other stands by').to.have.length(1);
    console.log(`      [shard] ${namespaces.length} namespaces: shard 0 owns ${namespaces.filter((n) => shardOf(n, 2) === 0).length}, shard 1 owns ${namespaces.filter((n) => shardOf(n, 2) === 1).length}`);
  });

  it("a killed shard's namespaces are taken over by its standby, never by the other shard", async () => {
    const leader = await waitForSingleLeader(shard0);
    const standby = shard0.find((op) => op !== leader)!;
    expect(standby.exited(), 'the standby is still running').to.equal(false);
    const leadsBefore = standby.logLines().filter((l) => l.message === 'leading: workers started').length;
    expect(leadsBefore, 'the standby has not led yet').to.equal(0);
    const t0 = Date.now();
    await leader.kill('SIGKILL');
    await waitFor('the standby leads', () => standby.logLines().some((l) => l.message === 'leading: workers started') || undefined, 60_000, 200);
    const failoverMs = Date.now() - t0;
    console.log(`      [shard] standby of shard 0 leading ${failoverMs} ms after SIGKILL`);
    const mine = namespaces.filter((n) => shardOf(n, 2) === 0);
    await incidentsIn('b', mine);
    for (const ns of mine) expect(handled(standby).has(ns), `standby handles ${ns}`).to.equal(true);
    for (const ns of mine) expect(handled(shard1).has(ns), `shard 1 never handles ${ns}`).to.equal(false);
  });
});
