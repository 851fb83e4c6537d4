/**
 * Privacy end to end (real API server, kwok logs, PostgreSQL, the operator as a process, three receivers):
 * PHI canaries planted in container logs, SQL literals, a session's application_name, Alertmanager alert labels
 * and annotations, and an Incident's spec.summary / spec.description. Afterwards a grep of every place evidence
 * reaches — Incident status, Events, `kubectl describe` (minus the Spec the user wrote), the operator's log,
 * every receiver body and the incident log tables — finds none of them.
 *
 * Canaries are unmistakable (invented names, long digit runs with separators): a hit is a leak, never chance.
 */
import { expect } from 'chai';
import pg from 'pg';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { applyYaml, createTestNamespace, getJson, kubectl, waitFor } from '../../harness/cluster.js';
import { simulateNamespaceLogs } from '../../harness/simulated-logs.js';
import { applyStatefulSet, waitForStatefulSetCrashLoop } from '../../harness/statefulsets.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';
import { startReceivers, type Receivers } from '../../harness/receivers.js';
import { applyDeployment, waitForCrashLoop } from '../../harness/rollout.js';
import { applyEscalationSetup, escalationSetup, tearDownEscalationSuite, type Json } from '../../harness/escalation.js';
import { listenerPort } from '../../harness/listeners.js';
import { incidentNameFor } from '../../../src/intake/alertmanager.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Planted in container logs. */
const LOG = {
  name: 'Marisol Quixbury',
  email: 'marisol.quixbury@canary-clinic.example',
  ssn: '219-09-9999',
  mrn: '00482913',
  street: '4821 Quailbrook Lane',
  iban: 'GB29 NWBK 6016 1331 9268 19',
  phone: '+1 (415) 555-0142',
  dob: '04.07.1975',
  patientIp: '203.0.113.77',
  password: 'hunter2-CANARY-pw',
};
/** Planted in SQL literals and a session's application_name. */
const SQL = { name: 'Ottoline Pemberwick', member: 'XQZ123456789', application: 'portal Zebulon Farquharson' };
/** Planted in alert labels and annotations. */
const ALERT = { name: 'Wilhelmina Thistlewood', alertname: 'ThistlewoodCheckoutDown', mrn: '00773311', member: 'XQZ555444333' };
/** Planted in a hand-written Incident's spec. */
const SPEC = { name: 'Peregrine Oakhurst-Vane', dob: '11.09.1968', street: 'Bramblecombe Terrace', phone: '020 7946 0321' };

const NEEDLES = [
  'Marisol', 'Quixbury', 'canary-clinic', '219-09-9999', LOG.mrn, 'Quailbrook', 'NWBK', '6016 1331', '555-0142', LOG.dob,
  LOG.patientIp, 'hunter2-CANARY', b64(LOG.name),
  'Ottoline', 'Pemberwick', SQL.member, 'Zebulon', 'Farquharson',
  'Wilhelmina', 'Thistlewood', ALERT.mrn, ALERT.member,
  'Peregrine', 'Oakhurst', SPEC.dob, 'Bramblecombe', '7946 0321',
];

const LOG_LINES = [
  'INFO starting patient-portal-api v2',
  `ERROR connect ECONNREFUSED 10.0.3.17:5432 while loading patient ${LOG.name}`,
  `ERROR connect ECONNREFUSED 10.0.3.17:5432 while loading patient ${LOG.name}`,
  JSON.stringify({ level: 'error', msg: `lookup failed for ${LOG.email} ssn ${LOG.ssn}`, patient: LOG.name }),
  `level=error msg="statement failed for MRN ${LOG.mrn}" address="${LOG.street}" iban="${LOG.iban}"`,
  `ERROR reminder not sent to ${LOG.phone.toLowerCase()} dob=${LOG.dob} from ${LOG.patientIp}`,
  `ERROR payload ${b64(LOG.name)} rejected: /api/patients/${encodeURIComponent(LOG.name)}/chart`,
  `java.lang.IllegalStateException: no chart for patient ${LOG.name.toLowerCase()}`,
  `FATAL cannot start: PGPASSWORD=${LOG.password} rejected for "${LOG.name}"`,
];

function post(port: number, token: string, body: unknown): Promise<number> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/alertmanager', method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(payload.length) },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(payload);
  });
}

/** `kubectl describe` without its Spec block (that is what the user wrote, shown back to them). */
function withoutSpec(describe: string): string {
  return describe.replace(/^Spec:\n(?:^(?: {2,}|\t).*\n?)*/mu, '');
}

function leaked(surfaces: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [surface, text] of Object.entries(surfaces)) {
    const hay = text.toLowerCase();
    for (const n of NEEDLES) if (hay.includes(n.toLowerCase())) found.push(`${n} in ${surface}`);
  }
  return found;
}

describe('privacy: no PHI canary leaves the process (operator process, end to end)', function () {
  let ns: string;
  let op: OperatorProcess;
  let receivers: Receivers;
  let pgh: PgHarness;
  let database: string;
  let dir: string;
  let session: pg.Client | undefined;
  const token = `am-${randomBytes(16).toString('hex')}`;
  const fingerprint = `c0ffee${randomBytes(5).toString('hex')}`;
  let failed = false;

  before(async function () {
    this.timeout(240_000);
    pgh = await ensurePostgres();
    ns = await createTestNamespace('privacy');
    dir = mkdtempSync(join(tmpdir(), 'incop-privacy-'));
    database = `privacy_log_${randomBytes(4).toString('hex')}`;
    await pgh.adminQuery(`CREATE DATABASE ${database}`, [], 'postgres');
    await pgh.adminQuery(`GRANT CONNECT ON DATABASE ${database} TO ${pgh.operator.user}`, [], 'postgres');
    await pgh.adminQuery(`CREATE SCHEMA incident_log AUTHORIZATION ${pgh.operator.user}`, [], database);
    writeFileSync(join(dir, 'url'), `postgresql://${encodeURIComponent(pgh.operator.user)}:${encodeURIComponent(pgh.operator.password)}@127.0.0.1:${pgh.port}/${database}?sslmode=disable\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'token'), `${token}\n`, { mode: 0o600 });

    receivers = await startReceivers();
    await applyEscalationSetup(escalationSetup(ns, receivers, { tiers: [{ level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['slack', 'pagerduty', 'webhook'] }] }));
    await simulateNamespaceLogs(ns, LOG_LINES, LOG_LINES);
    await applyDeployment({ name: 'api', namespace: ns, image: 'example.test/patient-portal-api:2', replicas: 2, crashLoop: true });
    await waitForCrashLoop(ns, 'api', { minRestarts: 1, timeoutMs: 60_000 });
    // A StatefulSet target too (issue 15): its pods' logs (the same planted lines) go through the same redaction.
    await applyStatefulSet({ name: 'ledger', namespace: ns, image: 'example.test/patient-ledger:2', replicas: 1, crashLoop: true });
    await waitForStatefulSetCrashLoop(ns, 'ledger', 'example.test/patient-ledger:2');

    // A session whose application_name and SQL literals carry canaries, running long enough to be listed.
    session = new pg.Client({ ...pgh.clientConfig('appUser'), application_name: SQL.application });
    session.on('error', () => undefined);
    await session.connect();
    void session.query(`SELECT pg_sleep(120), '${SQL.name}' AS name, E'member\\'s ${SQL.member}' AS m, $$${SQL.name}$$ AS "${SQL.name}"`).catch(() => undefined);
    await applyYaml(JSON.stringify({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns },
      stringData: { host: '127.0.0.1', port: String(pgh.port), database: pgh.database, user: pgh.operator.user, password: pgh.operator.password, sslmode: 'disable' },
    }));

    op = startOperatorProcess({
      namespaces: [ns],
      env: {
        INCIDENT_LOG_DATABASE_URL_FILE: join(dir, 'url'), INCIDENT_LOG_RESYNC_SECONDS: '3',
        ALERTMANAGER_TOKEN_FILE: join(dir, 'token'), ALERTMANAGER_HOST: '127.0.0.1', ALERTMANAGER_PORT: '0',
        PAGERDUTY_EVENTS_URL: receivers.pagerduty.url('/v2/enqueue'),
      },
    });
    const port = await listenerPort(op, 'alertmanager');
    await op.waitForLog(/leading: workers started/, 60_000);

    await applyYaml(JSON.stringify({
      apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'portal-down', namespace: ns },
      spec: {
        severity: 'P1', runbook: 'APIOutage', target: { name: 'api' }, rollback: { policy: 'Disabled' },
        summary: `API 5xx for patient ${SPEC.name}, DOB ${SPEC.dob}`,
        description: `Reported from 12 ${SPEC.street}, phone ${SPEC.phone}`,
        database: { secretRef: { name: 'db' } },
      },
    }));
    await applyYaml(JSON.stringify({
      apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'ledger-down', namespace: ns },
      spec: {
        severity: 'P1', runbook: 'APIOutage', target: { kind: 'StatefulSet', name: 'ledger' }, rollback: { policy: 'Disabled' },
        summary: `ledger down for patient ${SPEC.name}`, description: `phone ${SPEC.phone}`,
      },
    }));
    await applyYaml(JSON.stringify({
      apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'db-slow', namespace: ns },
      spec: {
        severity: 'P2', runbook: 'DatabasePerformance', summary: `slow chart queries for ${SPEC.name}`,
        database: { secretRef: { name: 'db' }, longQueryThresholdSeconds: 1 },
      },
    }));
    const alert = {
      status: 'firing', fingerprint, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.test/graph?patient=${encodeURIComponent(ALERT.name)}`,
      labels: { alertname: ALERT.alertname, namespace: ns, deployment: 'api', severity: 'critical', patient: ALERT.name, mrn: ALERT.mrn },
      annotations: { summary: `Checkout failing for ${ALERT.name} MRN ${ALERT.mrn}`, description: `member ${ALERT.member}` },
    };
    const status = await post(port, token, {
      version: '4', groupKey: `{}:{alertname="${ALERT.alertname}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'incident-operator',
      groupLabels: { alertname: ALERT.alertname }, commonLabels: alert.labels, commonAnnotations: alert.annotations, externalURL: 'http://alertmanager.test', alerts: [alert],
    });
    expect(status).to.be.within(200, 299);
  });

  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async function () {
    this.timeout(120_000);
    await session?.end().catch(() => undefined);
    await tearDownEscalationSuite({ ops: [op], receivers, ns, failed });
    if (database) await pgh?.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, [], 'postgres').catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the canaries are really planted (guards against a vacuous grep)', async () => {
    const planted = JSON.stringify({ LOG_LINES, SQL, ALERT, SPEC }) + JSON.stringify(await getJson(['get', 'incident', 'portal-down', '-n', ns]));
    for (const n of NEEDLES) expect(planted.toLowerCase(), n).to.include(n.toLowerCase());
    const rows = await pgh.adminQuery('SELECT application_name, query FROM pg_stat_activity WHERE application_name = $1', [SQL.application]);
    expect(rows.length).to.equal(1);
    expect(String(rows[0]!.query)).to.include(SQL.member);
  });

  it('status, Events, describe, operator log, receiver bodies and the incident log hold none of them', async function () {
    this.timeout(180_000);
    const alertIncident = incidentNameFor(fingerprint);
    const diagnosed = (name: string, ready: (d: Json) => boolean) => waitFor(`diagnosis of ${name}`, async () => {
      const inc = await getJson<Json>(['get', 'incident', name, '-n', ns]);
      const d = inc.status?.diagnosis;
      return d?.completedAt && ready(d) ? inc : undefined;
    }, 90_000, 1000);
    const manual = await diagnosed('portal-down', () => true);
    const slow = await diagnosed('db-slow', (d) => (d.database?.load?.longRunningQueries ?? []).length > 0);
    const ledger = await diagnosed('ledger-down', (d) => (d.logs?.signatures ?? []).length > 0);
    // Still useful: what failed is readable (from the Deployment's pods and from the StatefulSet's).
    for (const inc of [manual, ledger]) {
      const signatures: string[] = inc.status.diagnosis.logs.signatures.map((s: Json) => s.signature);
      expect(signatures.join('\n'), inc.metadata.name).to.include('ECONNREFUSED <ip>:<port> while loading patient <name>');
    }
    expect(JSON.stringify(slow.status.diagnosis.database.load.longRunningQueries)).to.include('pg_sleep(?)');

    await waitFor('alert-opened incident', async () => (await getJson<Json>(['get', 'incidents', '-n', ns])).items.some((i: Json) => i.metadata.name === alertIncident), 60_000, 1000);
    await waitFor('every receiver notified about both incidents', async () => {
      const bodies = receivers.all().filter((r) => r.status < 300).map((r) => r.rawBody);
      return ['portal-down', 'ledger-down', 'db-slow', alertIncident].every((n) => bodies.some((b) => b.includes(n))) &&
        [receivers.slack, receivers.pagerduty, receivers.webhook].every((r) => r.successful().length >= 3);
    }, 90_000, 1000);
    const uid = manual.metadata.uid as string;
    await waitFor('incident log rows', async () => {
      const rows = await pgh.adminQuery('SELECT count(*)::int AS n FROM incident_log.timeline_entries WHERE incident_uid = $1', [uid], database).catch(() => []);
      return Number(rows[0]?.n ?? 0) > 0;
    }, 60_000, 1000);

    const incidents = await getJson<Json>(['get', 'incidents', '-n', ns]);
    // kubectl apply's own annotation is a copy of the spec the user wrote: left out like the Spec itself.
    const annotations = (i: Json) => Object.fromEntries(Object.entries(i.metadata.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'));
    const statuses = JSON.stringify(incidents.items.map((i: Json) => ({ name: i.metadata.name, labels: i.metadata.labels, annotations: annotations(i), status: i.status })));
    const alertSpec = JSON.stringify(incidents.items.filter((i: Json) => i.metadata.name === alertIncident).map((i: Json) => i.spec));
    const describes = await Promise.all(incidents.items.map(async (i: Json) => withoutSpec((await kubectl(['describe', 'incident', i.metadata.name, '-n', ns])).stdout)));
    const logTables = await pgh.adminQuery(
      `SELECT (SELECT coalesce(json_agg(t), '[]') FROM incident_log.timeline_entries t)::text AS entries,
              (SELECT coalesce(json_agg(s), '[]') FROM incident_log.incidents s)::text AS summaries`, [], database);
    const surfaces: Record<string, string> = {
      'Incident status, labels and annotations': statuses,
      'spec of the alert-opened Incident': alertSpec,
      'incident names': incidents.items.map((i: Json) => i.metadata.name).join(' '),
      Events: JSON.stringify(await getJson(['get', 'events', '-n', ns])),
      'kubectl describe (status part)': describes.join('\n'),
      'operator log': op.output(),
      'Slack bodies': receivers.slack.requests.map((r) => r.rawBody).join('\n'),
      'PagerDuty bodies': receivers.pagerduty.requests.map((r) => r.rawBody).join('\n'),
      'webhook bodies': receivers.webhook.requests.map((r) => r.rawBody).join('\n'),
      'incident log tables': JSON.stringify(logTables),
    };
    for (const [surface, text] of Object.entries(surfaces)) expect(text.length, `${surface} is not empty`).to.be.greaterThan(2);
    expect(leaked(surfaces)).to.deep.equal([]);
  });
});
