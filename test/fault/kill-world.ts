/**
 * What the kill suite acts on and what it checks afterwards:
 *  - bad releases of opted-in Deployments (in one shared namespace and alone) → one rollback each;
 *  - lock pile-ups on the real PostgreSQL of test/harness/postgres.ts (a blocker holding ACCESS EXCLUSIVE, two
 *    victims) each reported by a DatabasePerformance Incident with terminateLongQueries, plus bystander sessions
 *    (an idle session, a session issuing short statements) that nobody may terminate;
 *  - notification-only Incidents (CrashLoop on a healthy Deployment: notified on open, resolve on pod health);
 *  - every Incident's tier-1 webhook notifications, counted per idempotency key (`webhook-id`) by a local receiver.
 */
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import { applyYaml, createTestNamespace, deleteNamespace, ensureCluster } from '../harness/cluster.js';
import { applyEscalationSetup, escalationSetup } from '../harness/escalation.js';
import { PileUps, type PileupSession } from '../harness/pg-pileups.js';
import { ensurePostgres, type PgHarness } from '../harness/postgres.js';
import { startReceivers, type Receivers } from '../harness/receivers.js';
import { applyDeployment, createIncident, OPT_IN, ROLLBACK_HISTORY, sleep, waitForHealthy, waitForLastKnownGood, type Json } from '../harness/rollout.js';
import { parseRollbackHistory } from '../../src/decide/rollback-guards.js';

const GOOD = 'registry.example/kill-suite:1';
const BAD = 'registry.example/kill-suite:2';
const DB_SECRET = 'kill-db';
const TERMINAL = ['Resolved', 'Failed'];
const STEADY = 'steady';

export interface Target { ns: string; name: string }
interface PileUp { blocker: PileupSession; victims: PileupSession[]; incident: string }
interface Bystander { pid: number; backendStart: string; what: string }

export interface WorldFigures {
  rollbacksPerDeployment: Record<string, number>;
  notifications: { idsReceived: number; idsWithDifferentBodies: number; idsRedeliveredSameBody: number; outboxNotDelivered: number; deliveredButNeverReceived: number; incidentsNeverNotified: number };
  terminations: { planned: number; terminatedRecords: number; sessionsTerminatedTwice: number; bystandersTerminated: number; blockersStillAlive: number; victimsKilled: number; budget: number; unitsSpent: number };
  incidents: number;
  incidentsNotTerminal: string[];
}

export class KillWorld {
  readonly namespaces: string[] = [];
  readonly targets: Target[] = [];
  readonly pileUps: PileUp[] = [];
  readonly bystanders: Bystander[] = [];
  private bystanderClients: pg.Client[] = [];
  private readonly custom: k8s.CustomObjectsApi;
  private readonly apps: k8s.AppsV1Api;
  receivers!: Receivers;
  shared = '';
  dbNs = '';
  private pg?: PgHarness;
  private p?: PileUps;
  private notes = 0;

  constructor(readonly o: { deployments: number; pileUps: number; terminationBudget: number }) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(ensureCluster().kubeconfig);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
  }

  /** Namespaces, escalation policies, the database Secret and the bystander sessions (before any operator runs). */
  async prepare(): Promise<void> {
    this.receivers = await startReceivers();
    this.shared = await createTestNamespace('kill-shared');
    const alone = await Promise.all(Array.from({ length: Math.max(1, Math.floor(this.o.deployments / 3)) }, () => createTestNamespace('kill-alone')));
    this.dbNs = await createTestNamespace('kill-db', { 'runbook.dev/remediation': 'enabled' });
    this.namespaces.push(this.shared, ...alone, this.dbNs);
    for (let i = 0; i < this.o.deployments; i++) this.targets.push({ ns: i < alone.length ? alone[i]! : this.shared, name: `svc-${i}` });
    const tiers = [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen' as const], channels: ['webhook' as const] }];
    for (const ns of this.namespaces) await applyEscalationSetup(escalationSetup(ns, this.receivers, { tiers }));
    if (this.o.pileUps > 0) {
      this.pg = await ensurePostgres();
      this.p = new PileUps(this.pg);
      await this.p.prepare();
      await applyYaml(JSON.stringify({
        apiVersion: 'v1', kind: 'Secret', metadata: { name: DB_SECRET, namespace: this.dbNs }, type: 'Opaque',
        stringData: { host: this.pg.host, port: String(this.pg.port), database: this.pg.database, user: this.pg.operator.user, password: this.pg.operator.password, sslmode: 'disable' },
      }));
      // Bystanders: an idle session and one issuing short statements outside any transaction.
      const idle = await this.p.connect('plain', undefined, 'kill-bystander-idle');
      const busy = await this.p.connect('appUser', undefined, 'kill-bystander-busy');
      this.bystanderClients = [idle, busy];
      for (const [c, what] of [[idle, 'idle'], [busy, 'short statements']] as const) {
        const r = await c.query(`SELECT pg_backend_pid() AS pid, to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS bs FROM pg_stat_activity WHERE pid = pg_backend_pid()`);
        this.bystanders.push({ pid: Number(r.rows[0].pid), backendStart: String(r.rows[0].bs), what });
      }
      void (async () => { while (this.bystanderClients.includes(busy)) { try { await busy.query('SELECT 1'); } catch { return; } await sleep(100); } })();
    }
  }

  /** Every target on its good image, healthy, with a recorded last known good (needs a leader). */
  async healthyTargets(): Promise<void> {
    const all = [...this.targets, { ns: this.shared, name: STEADY }];
    for (const t of all) await applyDeployment({ name: t.name, namespace: t.ns, image: GOOD, replicas: 2, labels: t.name === STEADY ? {} : { ...OPT_IN } });
    for (const t of all) await waitForHealthy(t.ns, t.name, GOOD);
    for (const t of this.targets) await waitForLastKnownGood(t.ns, t.name, 1, 120_000);
  }

  async badRelease(t: Target): Promise<void> {
    await applyDeployment({ name: t.name, namespace: t.ns, image: BAD, replicas: 2, crashLoop: true, labels: { ...OPT_IN } });
  }

  /** A blocker with two victims on a fresh table, reported by a DatabasePerformance Incident. */
  async pileUpIncident(): Promise<string> {
    if (!this.p) throw new Error('no PostgreSQL');
    const table = await this.p.table('kill');
    const blocker = await this.p.shortStatementBlocker(table);
    const victims = await this.p.victims(table, 2);
    await sleep(1300); // the blocker's transaction is older than the 1 s threshold
    const incident = `db-${this.pileUps.length}`;
    this.pileUps.push({ blocker, victims, incident });
    await createIncident({ name: incident, namespace: this.dbNs, runbook: 'DatabasePerformance', severity: 'P2', database: { secretRef: { name: DB_SECRET }, longQueryThresholdSeconds: 1, terminateLongQueries: true, maxTerminations: 1 } });
    return incident;
  }

  /** An Incident whose only work is its notification (CrashLoop on a healthy Deployment resolves on pod health). */
  async notificationIncident(): Promise<string> {
    const name = `note-${this.notes++}`;
    await createIncident({ name, namespace: this.shared, runbook: 'CrashLoop', severity: 'P2', target: STEADY });
    return name;
  }

  async incidents(): Promise<Json[]> {
    const lists = await Promise.all(this.namespaces.map((ns) => this.custom.listNamespacedCustomObject({ group: 'runbook.dev', version: 'v1alpha1', namespace: ns, plural: 'incidents' }) as Promise<{ items: Json[] }>));
    return lists.flatMap((l) => l.items);
  }

  async rollbacks(t: Target): Promise<number> {
    const d = await this.apps.readNamespacedDeployment({ name: t.name, namespace: t.ns });
    return parseRollbackHistory(d.metadata?.annotations?.[ROLLBACK_HISTORY]).length;
  }

  /**
   * Nothing half done that an armed replica would trip over: no recorded intent waiting for its action, no outbox
   * entry never attempted, every bad release so far rolled back.
   */
  async quiet(released: readonly Target[]): Promise<boolean> {
    const incidents = await this.incidents();
    for (const i of incidents) {
      if (i.status?.remediation?.state === 'Intended') return false;
      if ((i.status?.notifications?.outbox ?? []).some((e: Json) => e.state === 'Pending')) return false;
      if (!i.status?.phase || i.status.phase === 'Pending') return false;
    }
    for (const t of released) if ((await this.rollbacks(t)) < 1) return false;
    return true;
  }

  /** Every bad release rolled back, every pile-up's blocker gone, every Incident terminal, every outbox entry settled. */
  async settled(released: readonly Target[]): Promise<boolean> {
    const incidents = await this.incidents();
    if (incidents.some((i) => !TERMINAL.includes(i.status?.phase))) return false;
    if (incidents.some((i) => (i.status?.notifications?.outbox ?? []).some((e: Json) => e.state === 'Pending'))) return false;
    for (const t of released) if ((await this.rollbacks(t)) < 1) return false;
    for (const u of this.pileUps) if (await this.p!.alive(u.blocker)) return false;
    return true;
  }

  async figures(): Promise<WorldFigures> {
    const rollbacksPerDeployment: Record<string, number> = {};
    for (const t of this.targets) rollbacksPerDeployment[`${t.ns}/${t.name}`] = await this.rollbacks(t);
    const incidents = await this.incidents();

    // Notifications: per idempotency key, the bodies received; every outbox entry delivered and received.
    const bodies = new Map<string, { n: number; bodies: Set<string> }>();
    for (const r of this.receivers.webhook.successful()) {
      const id = String(r.headers['webhook-id'] ?? '');
      const b = bodies.get(id) ?? { n: 0, bodies: new Set<string>() };
      b.n += 1;
      b.bodies.add(r.rawBody);
      bodies.set(id, b);
    }
    const outbox = incidents.flatMap((i) => (i.status?.notifications?.outbox ?? []) as Json[]);
    const notifications = {
      idsReceived: bodies.size,
      idsWithDifferentBodies: [...bodies.values()].filter((b) => b.bodies.size > 1).length,
      idsRedeliveredSameBody: [...bodies.values()].filter((b) => b.n > 1 && b.bodies.size === 1).length,
      outboxNotDelivered: outbox.filter((e) => e.state !== 'Delivered').length,
      deliveredButNeverReceived: outbox.filter((e) => e.state === 'Delivered' && !bodies.has(String(e.id))).length,
      incidentsNeverNotified: incidents.filter((i) => !(i.status?.notifications?.outbox ?? []).some((e: Json) => e.kind === 'opened' && e.state === 'Delivered')).length,
    };

    // Terminations: status records across all Incidents against the sessions the suite created.
    const key = (s: { pid: number; backendStart: string }) => `${s.pid}@${s.backendStart}`;
    const records = incidents.flatMap((i) => (i.status?.remediation?.terminations ?? []) as Json[]);
    const terminatedCount = new Map<string, number>();
    for (const t of records) if (t.result === 'Terminated') terminatedCount.set(key(t), (terminatedCount.get(key(t)) ?? 0) + 1);
    const blockers = new Set(this.pileUps.map((u) => key(u.blocker)));
    let blockersStillAlive = 0;
    let victimsKilled = 0;
    let bystandersTerminated = 0;
    for (const u of this.pileUps) {
      if (this.p && (await this.p.alive(u.blocker))) blockersStillAlive++;
      for (const v of u.victims) {
        const s = await Promise.race([v.settled, sleep(2000).then(() => ({ ok: false, code: 'still waiting' }))]);
        if (!s.ok) victimsKilled++;
      }
    }
    for (const b of this.bystanders) if (this.p && !(await this.p.alive(b))) bystandersTerminated++;
    bystandersTerminated += [...terminatedCount.keys()].filter((k) => !blockers.has(k)).length;
    const terminations = {
      planned: this.pileUps.length,
      terminatedRecords: [...terminatedCount.values()].reduce((a, b) => a + b, 0),
      sessionsTerminatedTwice: [...terminatedCount.values()].filter((n) => n > 1).length,
      bystandersTerminated, blockersStillAlive, victimsKilled,
      budget: this.o.terminationBudget,
      unitsSpent: new Set(records.map(key)).size,
    };
    const incidentsNotTerminal = incidents.filter((i) => !TERMINAL.includes(i.status?.phase)).map((i) => `${i.metadata.namespace}/${i.metadata.name}:${i.status?.phase}`);
    return { rollbacksPerDeployment, notifications, terminations, incidents: incidents.length, incidentsNotTerminal };
  }

  async teardown(): Promise<void> {
    const clients = this.bystanderClients;
    this.bystanderClients = [];
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await this.p?.close();
    await this.receivers?.close();
    for (const ns of this.namespaces) await deleteNamespace(ns);
  }
}
