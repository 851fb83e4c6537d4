/**
 * The kill suite (issue 17). Two operator replicas behind one Lease (replica-pool.ts: a dead replica is replaced at
 * once) while the world (kill-world.ts) goes wrong: bad releases of opted-in Deployments (shared namespace and
 * alone), lock pile-ups on real PostgreSQL reported by DatabasePerformance Incidents that terminate sessions, and
 * notification-only Incidents. Rounds, each one kill of the leader:
 *  - plain round: trigger the round's trouble, SIGKILL the leader a random 0.3–2.5 s later;
 *  - armed round: the standby was started with a failpoint (config FAILPOINTS: between rollback intent and patch,
 *    right after the fast path's patch, between termination intent and signal, between outbox write and delivery);
 *    once nothing is half done, the leader is SIGKILLed so the armed replica leads, then the trouble that takes it
 *    to its failpoint is triggered and it SIGKILLs itself there.
 * Kills are aimed at the leader while the other replica is Ready (a two-replica Deployment; a kill while a
 * replacement is still starting would be a double fault). Every death of a leader is a failover sample (death →
 * another replica "leading: workers started", i.e. leading with synced informers); none is left out.
 * At the end (a settle without kills) it prints and returns: rollbacks per Deployment (exactly one each),
 * notifications per idempotency key (ids with differing bodies 0, nothing lost), session terminations (each planned
 * session at most once, no bystander, within the budget), incidents not terminal (0), failpoints armed/reached,
 * failover times (bound: max ≤ 20 s).
 *
 *   short form (CI): test/integration/fault/kill-suite.test.ts, 20 kills
 *   long form:       npm run fault:kill  (KILLS=100, KILL_DEPLOYMENTS=6, KILL_PILEUPS=4)
 */
import { randomInt } from 'node:crypto';
import { FAILPOINTS } from '../../src/config.js';
import { deleteLease } from '../harness/operator-observe.js';
import { stopPostgres } from '../harness/postgres.js';
import { sleep } from '../harness/rollout.js';
import { KillWorld, type Target, type WorldFigures } from './kill-world.js';
import { ReplicaPool } from './replica-pool.js';

export interface KillSuiteOptions { kills: number; deployments: number; pileUps?: number; log?: (line: string) => void }

export interface KillSuiteReport extends WorldFigures {
  /** SIGKILLs of the leader by the suite. */
  kills: number;
  /** SIGKILLs at failpoints (armed replicas that reached theirs). */
  failpointKills: number;
  /** Per failpoint: replicas started with it, and how many of them reached it (SIGKILLed themselves). */
  failpoints: Record<string, { started: number; reached: number }>;
  failoverMs: number[];
  /** Replica start → Ready (informers synced, leader known), ms. */
  bootMs: number[];
  failovers: { ms: number; cause: string }[];
  otherExits: number;
  elapsedMs: number;
}

type Kind = 'rollback' | 'termination' | 'notification';
interface Round { kind: Kind; failpoint?: string }

/** Which trouble takes an armed leader to each failpoint. */
const kindFor = (fp: string): Kind => (fp === 'exit-after-termination-intent' ? 'termination' : fp === 'exit-after-outbox-write' ? 'notification' : 'rollback');

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : 0;
};

/**
 * The rounds: one per Deployment and per pile-up, notifications for the rest; every failpoint armed at least once
 * (more often in long runs: about one round in four is armed), the first round never armed.
 */
export function planRounds(kills: number, deployments: number, pileUps: number, failpoints: readonly string[]): Round[] {
  // SIGKILLs: one per round by the suite, plus one per armed round at its failpoint; the fewest rounds that reach `kills`.
  for (let n = deployments + pileUps + 1; ; n++) {
    const plan = buildRounds(n, deployments, pileUps, failpoints);
    if (plan.length + plan.filter((r) => r.failpoint).length >= kills) return plan;
  }
}

function buildRounds(rounds: number, deployments: number, pileUps: number, failpoints: readonly string[]): Round[] {
  const pools: Record<Kind, Round[]> = {
    rollback: Array.from({ length: deployments }, () => ({ kind: 'rollback' as const })),
    termination: Array.from({ length: pileUps }, () => ({ kind: 'termination' as const })),
    notification: Array.from({ length: rounds - deployments - pileUps }, () => ({ kind: 'notification' as const })),
  };
  const armTimes = Math.max(1, Math.floor(rounds / (4 * Math.max(1, failpoints.length))));
  for (const [kind, pool] of Object.entries(pools) as [Kind, Round[]][]) {
    const mine = failpoints.filter((f) => kindFor(f) === kind);
    // At most half of a kind's rounds are armed (the rest keep their random kill moments); each failpoint at least once.
    const each = Math.max(1, Math.min(armTimes, Math.floor(pool.length / (2 * Math.max(1, mine.length)))));
    let next = 0;
    for (const fp of mine) for (let k = 0; k < each && next < pool.length; k++) pool[next++]!.failpoint = fp;
  }
  // Interleave the kinds (round-robin); within a kind one plain round first, so the first round is never armed.
  const queues = Object.values(pools).map((p) => [...p.filter((r) => !r.failpoint).slice(0, 1), ...p.filter((r) => r.failpoint), ...p.filter((r) => !r.failpoint).slice(1)]);
  const order: Round[] = [];
  while (queues.some((q) => q.length)) for (const q of queues) { const r = q.shift(); if (r) order.push(r); }
  return order;
}

export async function runKillSuite(opts: KillSuiteOptions): Promise<KillSuiteReport> {
  const t0 = Date.now();
  const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const out = opts.log ?? ((l: string) => console.log(l));
  const say = (l: string) => out(`[kill-suite ${stamp()}] ${l}`);
  const pileUps = opts.pileUps ?? 2;
  // The budget equals the sessions the suite plans to have terminated: one more termination would exceed it.
  const world = new KillWorld({ deployments: opts.deployments, pileUps, terminationBudget: pileUps });
  const lease = `kill-suite-${Date.now().toString(36)}`;
  const failpoints = [...FAILPOINTS];
  const rounds = planRounds(opts.kills, opts.deployments, pileUps, failpoints);
  let pool: ReplicaPool | undefined;
  try {
    await world.prepare();
    pool = new ReplicaPool({
      namespaces: world.namespaces, leaseName: lease, say,
      env: {
        // client-go's proportions (15/10/2 s) at about half: a leader starved of CPU for up to ~5.5 s keeps the
        // lease (with 4/3/0.5 s, leaders on this loaded machine stepped down every few seconds and exited), and a
        // dead leader's lease expires within 8 s, the standby notices within 1.2 s.
        LEASE_DURATION_MS: '8000', LEASE_RENEW_DEADLINE_MS: '6000', LEASE_RETRY_PERIOD_MS: '1000',
        MONITOR_WINDOW_SECONDS: '3', LOG_LEVEL: 'info',
        TERMINATION_BUDGET_MAX: String(pileUps), TERMINATION_BUDGET_WINDOW_SECONDS: '3600', TERMINATION_VERIFY_SECONDS: '2',
        // The blast-radius budget is not under test here: every Deployment's rollback is expected.
        ROLLBACK_BUDGET_MAX: String(opts.deployments + 5),
      },
    });
    pool.fill();
    await pool.steady();
    await world.healthyTargets();
    say(`${world.targets.length} Deployments healthy with a recorded last known good; ${rounds.length} rounds (${rounds.map((r) => `${r.kind[0]}${r.failpoint ? '*' : ''}`).join('')}), failpoints ${failpoints.join(', ')}`);

    const pendingTargets = [...world.targets];
    const released: Target[] = [];
    let kills = 0;
    const trigger = async (kind: Kind): Promise<string> => {
      if (kind === 'rollback') {
        const t = pendingTargets.shift();
        if (!t) return 'no Deployment left';
        await world.badRelease(t);
        released.push(t);
        return `bad release of ${t.ns}/${t.name}`;
      }
      if (kind === 'termination') return `pile-up reported by ${await world.pileUpIncident()}`;
      return `notification incident ${await world.notificationIncident()}`;
    };

    for (let i = 0; i < rounds.length; i++) {
      const round = rounds[i]!;
      const next = rounds[i + 1];
      if (!round.failpoint) {
        // The trouble starts either during the previous failover (the kill lands seconds into it) or once the pair
        // is steady again (the kill lands 0.3–2.5 s into it).
        const early = randomInt(2) === 0;
        const what = early ? await trigger(round.kind) : '';
        const { leader } = await pool.steady();
        const late = early ? what : await trigger(round.kind);
        await sleep(randomInt(300, 2500));
        if (pool.leader() === leader) {
          if (next?.failpoint) pool.arm(next.failpoint);
          await pool.killLeader();
          kills++;
          say(`round ${i + 1}: ${late}; killed leader ${leader.n} (kill ${kills})`);
        } else say(`round ${i + 1}: ${late}; leader ${leader.n} already gone`);
        continue;
      }
      // Armed round: the standby must carry round.failpoint (armed at the previous kill); if it does not (it died
      // some other way, e.g. losing the lease), arm the next replacement and try again.
      for (let attempt = 1; ; attempt++) {
        const { leader, standby } = await pool.steady();
        if (standby.failpoint !== round.failpoint) {
          if (attempt > 4) { say(`round ${i + 1}: no replica armed with ${round.failpoint} after ${attempt - 1} attempts; giving up on it`); break; }
          say(`round ${i + 1}: standby ${standby.n} is not armed with ${round.failpoint}; arming the next replacement`);
          pool.arm(round.failpoint);
          await pool.killLeader();
          kills++;
          continue;
        }
        if (!(await waitUntil(() => world.quiet(released), 90_000))) say(`round ${i + 1}: not quiet after 90 s; going on`);
        if (pool.leader() === leader) { await pool.killLeader(); kills++; }
        const armed = standby;
        await pool.steady();
        if (pool.leader() !== armed) { say(`round ${i + 1}: armed replica ${armed.n} not leading (${armed.exitedAt ? 'died already' : 'standby'})`); continue; }
        if (next?.failpoint) pool.arm(next.failpoint);
        const what = await trigger(round.kind);
        if (!(await waitUntil(() => armed.exitedAt !== undefined, 90_000))) {
          say(`round ${i + 1}: ${what}; armed leader ${armed.n} did not reach ${round.failpoint} in 90 s; killing it`);
          if (pool.leader() === armed) { await pool.killLeader(); kills++; }
          break;
        }
        say(`round ${i + 1}: ${what}; armed leader ${armed.n} ${armed.reachedFailpoint ? `reached ${round.failpoint}` : 'died otherwise'} (kills so far ${kills})`);
        break;
      }
    }
    say(`${kills} kills done; settling without kills`);
    await pool.steady();
    const settled = await waitUntil(() => world.settled(released), 180_000);
    if (!settled) say('not settled after 180 s');
    for (const t of pendingTargets) say(`Deployment ${t.ns}/${t.name} never got its bad release (fewer rounds than Deployments)`);

    const figures = await world.figures();
    const report: KillSuiteReport = {
      ...figures, kills, failpointKills: pool.all.filter((r) => r.reachedFailpoint).length, bootMs: pool.bootMs(),
      failpoints: Object.fromEntries(failpoints.map((f) => [f, pool!.armed(f)])),
      failoverMs: pool.failovers.map((f) => f.ms), failovers: pool.failovers.map((f) => ({ ms: f.ms, cause: f.cause })),
      otherExits: pool.otherExits.length, elapsedMs: Date.now() - t0,
    };
    printReport(report, say);
    return report;
  } finally {
    await pool?.stop();
    await world.teardown();
    await deleteLease(lease).catch(() => undefined);
  }
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if (await check()) return true; } catch { /* API hiccup: try again */ }
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

export function printReport(r: KillSuiteReport, say: (l: string) => void): void {
  const byCause = (c: string) => r.failovers.filter((f) => f.cause === c).map((f) => f.ms);
  say(`SIGKILLs ${r.kills + r.failpointKills}: ${r.kills} of the leader by the suite, ${r.failpointKills} at failpoints; failpoints (armed replicas → reached): ${Object.entries(r.failpoints).map(([f, a]) => `${f} ${a.started}→${a.reached}`).join(', ')}; other exits ${r.otherExits}`);
  say(`rollbacks per Deployment ${JSON.stringify(r.rollbacksPerDeployment)}`);
  const n = r.notifications;
  say(`notifications: ${n.idsReceived} ids received, ids with differing bodies ${n.idsWithDifferentBodies}, ids re-sent with the same body ${n.idsRedeliveredSameBody}, outbox entries not delivered ${n.outboxNotDelivered}, delivered but never received ${n.deliveredButNeverReceived}, incidents never notified ${n.incidentsNeverNotified}`);
  const t = r.terminations;
  say(`terminations: ${t.planned} planned sessions, ${t.terminatedRecords} Terminated records, sessions terminated twice ${t.sessionsTerminatedTwice}, bystanders terminated ${t.bystandersTerminated}, victims killed ${t.victimsKilled}, blockers still alive ${t.blockersStillAlive}, budget units spent ${t.unitsSpent} of ${t.budget}`);
  say(`incidents ${r.incidents}, not terminal after settling: ${r.incidentsNotTerminal.length} ${r.incidentsNotTerminal.join(' ')}`);
  say(`failover ms (${r.failoverMs.length} samples: ${byCause('kill').length} kills, ${byCause('failpoint').length} failpoints, ${byCause('exit').length} other exits): p50 ${pct(r.failoverMs, 50)}, p99 ${pct(r.failoverMs, 99)}, max ${Math.max(0, ...r.failoverMs)}; replica start → Ready p50 ${pct(r.bootMs, 50)}, max ${Math.max(0, ...r.bootMs)}; elapsed ${(r.elapsedMs / 1000).toFixed(0)} s`);
}

/** The issue's bounds; empty when the run passed. */
export function violations(r: KillSuiteReport, minKills: number): string[] {
  const v: string[] = [];
  if (r.kills + r.failpointKills < minKills) v.push(`only ${r.kills + r.failpointKills} kills`);
  for (const [d, n] of Object.entries(r.rollbacksPerDeployment)) if (n !== 1) v.push(`${d} rolled back ${n} times`);
  if (r.notifications.idsWithDifferentBodies > 0) v.push('notification ids with differing bodies');
  if (r.notifications.outboxNotDelivered > 0 || r.notifications.deliveredButNeverReceived > 0 || r.notifications.incidentsNeverNotified > 0) v.push('notifications lost');
  const t = r.terminations;
  if (t.sessionsTerminatedTwice > 0 || t.bystandersTerminated > 0 || t.victimsKilled > 0) v.push('a session terminated twice, or a bystander / victim terminated');
  if (t.unitsSpent > t.budget) v.push('termination budget exceeded');
  if (t.blockersStillAlive > 0) v.push('a planned blocker was never terminated');
  if (r.incidentsNotTerminal.length > 0) v.push('incidents not terminal');
  for (const [f, a] of Object.entries(r.failpoints)) if (a.started === 0 || a.reached === 0) v.push(`failpoint ${f} armed ${a.started}, reached ${a.reached}`);
  if (Math.max(0, ...r.failoverMs) > 20_000) v.push(`failover max ${Math.max(...r.failoverMs)} ms > 20 s`);
  return v;
}

if (process.argv[1]?.endsWith('kill-suite.ts')) {
  const kills = Number(process.env.KILLS ?? 100);
  runKillSuite({ kills, deployments: Number(process.env.KILL_DEPLOYMENTS ?? 6), pileUps: Number(process.env.KILL_PILEUPS ?? 4) }).then(async (r) => {
    await stopPostgres();
    const v = violations(r, kills);
    console.log(v.length ? `[kill-suite] FAILED: ${v.join('; ')}` : '[kill-suite] passed');
    process.exit(v.length ? 1 : 0);
  }, async (e: unknown) => { console.error(e); await stopPostgres(); process.exit(1); });
}
