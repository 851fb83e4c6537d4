/**
 * The kill suite (issue 17): bad releases of several opted-in Deployments (some sharing a namespace,
 * some alone) while the operator — two replicas behind the Lease — is SIGKILLed at random moments and
 * restarted; some replacements carry the failpoint that kills them between rollback intent and patch.
 * At the end it prints, and returns: rollbacks per Deployment (must be exactly one), notification ids
 * delivered with differing bodies (0), notification entries never delivered (0), incidents not terminal
 * after the settle time (0), failover times (the bound: max ≤ 20 s).
 *
 *   short form (CI): test/integration/fault/kill-suite.test.ts, 20 kills
 *   long form:       npm run fault:kill  (KILLS=100 by default; KILL_DEPLOYMENTS=6)
 */
import { randomInt } from 'node:crypto';
import { createTestNamespace, deleteNamespace, ensureCluster, waitFor } from '../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../harness/operator-process.js';
import { deleteLease } from '../harness/operator-observe.js';
import { startReceivers, type Receivers } from '../harness/receivers.js';
import { applyEscalationSetup, escalationSetup } from '../harness/escalation.js';
import { applyDeployment, getDeployment, listIncidents, OPT_IN, ROLLBACK_HISTORY, sleep, waitForHealthy, waitForLastKnownGood } from '../harness/rollout.js';
import { parseRollbackHistory } from '../../src/decide/rollback-guards.js';

export interface KillSuiteOptions { kills: number; deployments: number; log?: (line: string) => void }

export interface KillSuiteReport {
  kills: number;
  killsAtFailpoint: number;
  rollbacksPerDeployment: Record<string, number>;
  idsWithDifferentBodies: number;
  notificationsDelivered: number;
  notificationsNotDelivered: number;
  incidentsNotTerminal: string[];
  failoverMs: number[];
}

const GOOD = 'registry.example/kill-suite:1';
const BAD = 'registry.example/kill-suite:2';
const LEADING = 'leading: workers started';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};

export async function runKillSuite(opts: KillSuiteOptions): Promise<KillSuiteReport> {
  const say = opts.log ?? ((l: string) => console.log(l));
  ensureCluster();
  const shared = await createTestNamespace('kill-shared');
  const alone = await Promise.all(Array.from({ length: Math.max(1, Math.floor(opts.deployments / 3)) }, () => createTestNamespace('kill-alone')));
  const namespaces = [shared, ...alone];
  const targets = Array.from({ length: opts.deployments }, (_, i) => ({ ns: i < alone.length ? alone[i]! : shared, name: `svc-${i}` }));
  const lease = `kill-suite-${Date.now().toString(36)}`;
  const receivers: Receivers = await startReceivers();
  for (const ns of namespaces) await applyEscalationSetup(escalationSetup(ns, receivers, { tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['webhook'] }] }));
  const env = { LEASE_DURATION_MS: '4000', LEASE_RENEW_DEADLINE_MS: '3000', LEASE_RETRY_PERIOD_MS: '500', MONITOR_WINDOW_SECONDS: '3' };
  const ops: OperatorProcess[] = [];
  const start = (failpoint = false) => {
    const op = startOperatorProcess({ namespaces, leaseName: lease, env: { ...env, ...(failpoint ? { INCIDENT_OPERATOR_FAILPOINT: 'exit-after-rollback-intent' } : {}) } });
    ops.push(op);
    return op;
  };
  const leaderNow = () => ops.find((o) => !o.exited() && o.logLines().some((l) => l.message === LEADING));
  const report: KillSuiteReport = { kills: 0, killsAtFailpoint: 0, rollbacksPerDeployment: {}, idsWithDifferentBodies: 0, notificationsDelivered: 0, notificationsNotDelivered: 0, incidentsNotTerminal: [], failoverMs: [] };
  try {
    start(); start();
    await waitFor('a leader', () => leaderNow(), 60_000, 200);
    for (const t of targets) await applyDeployment({ name: t.name, namespace: t.ns, image: GOOD, replicas: 2, labels: { ...OPT_IN } });
    for (const t of targets) await waitForHealthy(t.ns, t.name, GOOD);
    for (const t of targets) await waitForLastKnownGood(t.ns, t.name, 1, 90_000);
    say(`[kill-suite] ${targets.length} Deployments healthy with a recorded last known good; ${opts.kills} kills to go`);

    const pendingBad = [...targets];
    let failpointsStarted = 0;
    while (report.kills < opts.kills) {
      if (pendingBad.length > 0 && report.kills % 2 === 0) {
        const t = pendingBad.shift()!;
        await applyDeployment({ name: t.name, namespace: t.ns, image: BAD, replicas: 2, crashLoop: true, labels: { ...OPT_IN } });
      }
      await sleep(randomInt(300, 2500));
      const leader = leaderNow();
      if (!leader) { await sleep(200); continue; }
      const t0 = Date.now();
      await leader.kill('SIGKILL');
      report.kills++;
      // Every fourth replacement dies by itself between rollback intent and patch (when it gets there).
      const withFailpoint = report.kills % 4 === 0;
      if (withFailpoint) failpointsStarted++;
      start(withFailpoint);
      await waitFor('the next leader', () => leaderNow(), 60_000, 100);
      report.failoverMs.push(Date.now() - t0);
    }
    for (const t of pendingBad.splice(0)) await applyDeployment({ name: t.name, namespace: t.ns, image: BAD, replicas: 2, crashLoop: true, labels: { ...OPT_IN } });
    report.killsAtFailpoint = ops.filter((o) => o.exited() && o.output().includes('exit-after-rollback-intent')).length;
    say(`[kill-suite] ${report.kills} kills done (${failpointsStarted} replacements armed with the intent→patch failpoint); settling`);
    // Settle: a leader without a failpoint, every Deployment rolled back, every incident terminal.
    start(); start();
    await waitFor('a leader after the kills', () => leaderNow(), 60_000, 200);
    await waitFor('every Deployment rolled back and every incident terminal', async () => {
      const incidents = (await Promise.all(namespaces.map((ns) => listIncidents(ns)))).flat();
      const open = incidents.filter((i) => !['Resolved', 'Failed'].includes(i.status?.phase));
      const rolled = await Promise.all(targets.map(async (t) => parseRollbackHistory((await getDeployment(t.ns, t.name)).metadata?.annotations?.[ROLLBACK_HISTORY]).length));
      return open.length === 0 && incidents.length >= targets.length && rolled.every((n) => n >= 1) || undefined;
    }, 180_000, 1000).catch(() => undefined);

    for (const t of targets) {
      const d = await getDeployment(t.ns, t.name);
      report.rollbacksPerDeployment[`${t.ns}/${t.name}`] = parseRollbackHistory(d.metadata?.annotations?.[ROLLBACK_HISTORY]).length;
    }
    const incidents = (await Promise.all(namespaces.map((ns) => listIncidents(ns)))).flat();
    report.incidentsNotTerminal = incidents.filter((i) => !['Resolved', 'Failed'].includes(i.status?.phase)).map((i) => `${i.metadata.namespace}/${i.metadata.name}:${i.status?.phase}`);
    const bodies = new Map<string, Set<string>>();
    for (const r of receivers.webhook.successful()) {
      const id = String(r.headers['webhook-id'] ?? '');
      if (!bodies.has(id)) bodies.set(id, new Set());
      bodies.get(id)!.add(r.rawBody);
    }
    report.notificationsDelivered = bodies.size;
    report.idsWithDifferentBodies = [...bodies.values()].filter((b) => b.size > 1).length;
    const outbox = incidents.flatMap((i) => (i.status?.notifications?.outbox ?? []) as { state: string }[]);
    report.notificationsNotDelivered = outbox.filter((e) => e.state !== 'Delivered').length;
    say(`[kill-suite] kills ${report.kills} (failpoint deaths ${report.killsAtFailpoint}); rollbacks per Deployment ${JSON.stringify(report.rollbacksPerDeployment)}`);
    say(`[kill-suite] notifications delivered ${report.notificationsDelivered} ids, ids with differing bodies ${report.idsWithDifferentBodies}, outbox entries not delivered ${report.notificationsNotDelivered}`);
    say(`[kill-suite] incidents not terminal after settling: ${report.incidentsNotTerminal.length} ${report.incidentsNotTerminal.join(' ')}`);
    say(`[kill-suite] failover ms: p50 ${pct(report.failoverMs, 50)}, p99 ${pct(report.failoverMs, 99)}, max ${Math.max(0, ...report.failoverMs)}`);
    return report;
  } finally {
    for (const op of ops) await op.kill('SIGKILL');
    await receivers.close();
    await deleteLease(lease).catch(() => undefined);
    for (const ns of namespaces) await deleteNamespace(ns);
  }
}

if (process.argv[1]?.endsWith('kill-suite.ts')) {
  const kills = Number(process.env.KILLS ?? 100);
  const deployments = Number(process.env.KILL_DEPLOYMENTS ?? 6);
  runKillSuite({ kills, deployments }).then((r) => {
    const bad = Object.values(r.rollbacksPerDeployment).some((n) => n !== 1) || r.idsWithDifferentBodies > 0 || r.notificationsNotDelivered > 0 || r.incidentsNotTerminal.length > 0;
    process.exit(bad ? 1 : 0);
  }, (e: unknown) => { console.error(e); process.exit(1); });
}
