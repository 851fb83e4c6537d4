/**
 * The diagnose phase end to end: real API server, real kwok logs, real PostgreSQL, real operator.
 * Evidence must be PHI-safe: canary strings in logs and SQL literals never reach status, Events or
 * the operator's own logs.
 */
import { expect } from 'chai';
import { applyYaml, createTestNamespace, deleteNamespace, getJson, kubectl, waitFor } from '../../harness/cluster.js';
import { deploymentYaml } from '../../harness/workloads.js';
import { simulateNamespaceLogs } from '../../harness/simulated-logs.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';

const CANARIES = ['078-05-1120', 'MRN-00987123', '00987123', 'jane.doe@example-hospital.org', '(555) 867-5309', '867-5309', 'hunter2canary', 'Jane Q Patient'];

const canaryLogLines = [
  'INFO starting patient-advocacy-api v2',
  'ERROR connect ECONNREFUSED 10.0.3.17:5432 while loading patient MRN-00987123',
  'ERROR connect ECONNREFUSED 10.0.3.17:5432 while loading patient MRN-00987123',
  'ERROR lookup failed for ssn=078-05-1120 email jane.doe@example-hospital.org phone (555) 867-5309',
  'FATAL cannot start: password=hunter2canary rejected for "Jane Q Patient"',
];

function incidentYaml(ns: string, name: string, extra: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name, namespace: ns },
    spec: { severity: 'P1', summary: 'API 5xx', runbook: 'APIOutage', rollback: { policy: 'Disabled' }, ...extra },
  });
}

function secretYaml(ns: string, name: string, data: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data });
}

async function diagnosisOf(ns: string, name: string): Promise<any> {
  return waitFor(`diagnosis of ${name}`, async () => {
    const inc = await getJson(['get', 'incident', name, '-n', ns]);
    return inc.status?.diagnosis?.completedAt ? inc : undefined;
  }, 60_000, 500);
}

describe('diagnose (integration)', function () {
  let ns: string;
  let op: OperatorProcess;
  let pg: PgHarness;

  before(async () => {
    ns = await createTestNamespace('diag');
    pg = await ensurePostgres();
    await simulateNamespaceLogs(ns, canaryLogLines, canaryLogLines);
    op = startOperatorProcess({ namespaces: [ns] });
    await op.waitForLog(/leading: workers started/);
  });
  after(async () => {
    await op?.kill('SIGTERM');
    await deleteNamespace(ns);
  });

  it('reduces crash-looping pods\' logs to redacted signatures, and no PHI canary leaves the process', async () => {
    await applyYaml(deploymentYaml({ name: 'api', namespace: ns, replicas: 2, crashLoop: true }));
    await waitFor('pods crash-looping', async () => {
      const pods = await getJson<{ items: any[] }>(['get', 'pods', '-n', ns, '-l', 'app=api']);
      return pods.items.length === 2 && pods.items.every((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    }, 60_000, 500);
    await applyYaml(incidentYaml(ns, 'api-phi', { target: { name: 'api' } }));
    const inc = await diagnosisOf(ns, 'api-phi');
    const d = inc.status.diagnosis;
    expect(d.logs.linesScanned).to.be.greaterThan(0);
    const sigs: string[] = d.logs.signatures.map((s: any) => s.signature);
    expect(sigs.some((s) => s.includes('ECONNREFUSED') && s.includes('<ip>'))).to.equal(true, JSON.stringify(sigs));
    const econn = d.logs.signatures.find((s: any) => s.signature.includes('ECONNREFUSED'));
    expect(econn.count).to.be.at.least(2);
    expect(d.summary).to.match(/crash-looping/);
    expect(d.pods.crashLoopingPods).to.equal(2);

    // One Event per finding, on the Incident.
    const reasons = await waitFor('finding events', async () => {
      const evs = await getJson<{ items: any[] }>(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=api-phi']);
      const r = evs.items.map((e) => e.reason);
      return r.includes('ErrorSignaturesFound') ? r : undefined;
    }, 30_000, 500);
    expect(reasons).to.include.members(['PodsCrashLooping', 'ErrorSignaturesFound', 'DiagnosisComplete']);

    // Let the operator finish its work on it, then look everywhere.
    await waitFor('phase settled', async () => (await getJson(['get', 'incident', 'api-phi', '-n', ns])).status?.phase === 'Escalated', 30_000);
    const everything = [
      JSON.stringify(await getJson(['get', 'incident', 'api-phi', '-n', ns])),
      JSON.stringify(await getJson(['get', 'events', '-n', ns])),
      (await kubectl(['describe', 'incident', 'api-phi', '-n', ns])).stdout,
      op.output(),
    ].join('\n');
    for (const canary of CANARIES) expect(everything, `canary ${canary} leaked`).to.not.include(canary);
  });

  it('records the database unreachable with the right reason, and the rest of the diagnosis still completes', async () => {
    await applyYaml(deploymentYaml({ name: 'web', namespace: ns, replicas: 1 }));
    await waitFor('web available at revision 1', async () => {
      const d = await getJson(['get', 'deployment', 'web', '-n', ns]);
      return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1' && d.status?.availableReplicas === 1;
    }, 60_000, 500);
    const base = { host: '127.0.0.1', database: pg.database, user: pg.operator.user, sslmode: 'disable' };
    await applyYaml(secretYaml(ns, 'db-wrong-port', { ...base, port: '1', password: pg.operator.password }));
    await applyYaml(secretYaml(ns, 'db-wrong-password', { ...base, port: String(pg.port), password: 'not-the-password-canary' }));
    await applyYaml(incidentYaml(ns, 'db-port', { target: { name: 'web' }, database: { secretRef: { name: 'db-wrong-port' } } }));
    await applyYaml(incidentYaml(ns, 'db-pass', { target: { name: 'web' }, database: { secretRef: { name: 'db-wrong-password' } } }));
    const port = (await diagnosisOf(ns, 'db-port')).status.diagnosis;
    const pass = (await diagnosisOf(ns, 'db-pass')).status.diagnosis;
    const failed = (d: any) => d.database.connectivity.steps.find((s: any) => !s.ok && s.reason !== 'Skipped');
    expect(port.database.connectivity.reachable).to.equal(false);
    expect(failed(port).reason).to.equal('ConnectionRefused');
    expect(pass.database.connectivity.reachable).to.equal(false);
    expect(failed(pass).reason).to.equal('AuthenticationFailed');
    for (const d of [port, pass]) {
      expect(d.history.currentRevision).to.equal(1);
      expect(d.pods.total).to.equal(1);
    }
    const all = JSON.stringify(await getJson(['get', 'incidents', '-n', ns])) + op.output();
    expect(all).to.not.include('not-the-password-canary');
    expect(all).to.not.include(pg.operator.password);
  });

  it('records the database down when the server is stopped, then reachable once it is back', async () => {
    await applyYaml(secretYaml(ns, 'db-ok', { host: '127.0.0.1', port: String(pg.port), database: pg.database, user: pg.operator.user, password: pg.operator.password, sslmode: 'disable' }));
    await pg.stop();
    try {
      await applyYaml(incidentYaml(ns, 'db-down', { target: { name: 'web' }, database: { secretRef: { name: 'db-ok' } } }));
      const down = (await diagnosisOf(ns, 'db-down')).status.diagnosis;
      expect(down.database.connectivity.reachable).to.equal(false);
      expect(down.database.connectivity.steps.find((s: any) => !s.ok).reason).to.equal('ConnectionRefused');
      expect(down.history.revisions.length).to.be.at.least(1);
    } finally {
      await pg.start();
    }
    await applyYaml(incidentYaml(ns, 'db-up', { target: { name: 'web' }, database: { secretRef: { name: 'db-ok' } } }));
    const up = (await diagnosisOf(ns, 'db-up')).status.diagnosis;
    expect(up.database.connectivity.reachable).to.equal(true);
    expect(up.summary).to.match(/database reachable in \d+ ms/);
  });

  it('lists a real long-running query by fingerprint, without its literals, and a blocked/blocking pair', async () => {
    await pg.adminQuery('CREATE TABLE IF NOT EXISTS diag_accounts (id int primary key, note text)');
    await pg.adminQuery('GRANT ALL ON diag_accounts TO ' + pg.appUser.user);
    await pg.adminQuery("INSERT INTO diag_accounts VALUES (1, 'x') ON CONFLICT DO NOTHING");
    const sleeper = await pg.startQuery('appUser', "SELECT pg_sleep(60), 'Jane Q Patient' AS name, '078-05-1120' AS ssn");
    const holder = await pg.connect('appUser');
    await holder.query('BEGIN');
    await holder.query("UPDATE diag_accounts SET note = 'MRN-00987123' WHERE id = 1");
    const blocked = await pg.startQuery('appUser', "UPDATE diag_accounts SET note = 'jane.doe@example-hospital.org' WHERE id = 1");
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await applyYaml(JSON.stringify({
        apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: 'db-slow', namespace: ns },
        spec: { severity: 'P2', summary: 'slow queries', runbook: 'DatabasePerformance', database: { secretRef: { name: 'db-ok' }, longQueryThresholdSeconds: 1 } },
      }));
      const inc = await diagnosisOf(ns, 'db-slow');
      const load = inc.status.diagnosis.database.load;
      const q = load.longRunningQueries.find((x: any) => x.pid === sleeper.pid);
      expect(q, JSON.stringify(load.longRunningQueries)).to.not.equal(undefined);
      expect(q.durationSeconds).to.be.at.least(1);
      expect(q.fingerprint).to.include('pg_sleep(?)');
      expect(load.blocking.some((b: any) => b.blocked.pid === blocked.pid)).to.equal(true, JSON.stringify(load.blocking));
      expect(load.connections.used).to.be.greaterThan(0);
      const json = JSON.stringify(inc) + JSON.stringify(await getJson(['get', 'events', '-n', ns])) + op.output();
      for (const canary of ['Jane Q Patient', '078-05-1120', 'MRN-00987123', 'jane.doe@example-hospital.org']) expect(json).to.not.include(canary);
      // Without the opt-in nothing is terminated: a person decides.
      await waitFor('escalated', async () => (await getJson(['get', 'incident', 'db-slow', '-n', ns])).status?.phaseReason === 'TerminationNotEnabled', 30_000);
      expect((await pg.adminQuery('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [sleeper.pid]))[0]!.n).to.equal(1);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end().catch(() => undefined);
      await pg.closeSessions();
    }
  });

  it('shows every revision and revision 2 as last known good after rollouts good, good, bad', async () => {
    // Opted in (so healthy revisions are recorded) but opted out of rollbacks (so history stays as rolled out).
    const opt = { 'runbook.dev/auto-rollback': 'enabled' };
    const annotations = { 'runbook.dev/rollback': 'disabled' };
    await applyYaml(deploymentYaml({ name: 'hist', namespace: ns, replicas: 1, image: 'example.test/app:1', labels: opt, annotations, changeCause: 'v1' }));
    const lkg = async (rev: string) => waitFor(`last-known-good r${rev}`, async () => {
      const d = await getJson(['get', 'deployment', 'hist', '-n', ns]);
      const rec = d.metadata.annotations?.['runbook.dev/last-known-good'];
      return rec && JSON.parse(rec).revision === Number(rev) ? d : undefined;
    }, 60_000, 500);
    await lkg('1');
    await applyYaml(deploymentYaml({ name: 'hist', namespace: ns, replicas: 1, image: 'example.test/app:2', labels: opt, annotations, changeCause: 'v2' }));
    await lkg('2');
    await applyYaml(deploymentYaml({ name: 'hist', namespace: ns, replicas: 1, image: 'example.test/app:3', labels: opt, annotations, crashLoop: true, changeCause: 'v3 bad' }));
    await waitFor('revision 3 crash-looping', async () => {
      const pods = await getJson<{ items: any[] }>(['get', 'pods', '-n', ns, '-l', 'app=hist,chaos.runbook.dev/crashloop=true']);
      return pods.items.some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    }, 60_000, 500);
    // The operator opens the crash-loop incident itself; its diagnosis carries the history.
    const auto = await waitFor('crash-loop incident', async () => {
      const list = await getJson<{ items: any[] }>(['get', 'incidents', '-n', ns, '-l', 'runbook.dev/deployment=hist']);
      return list.items.find((i) => i.status?.diagnosis?.completedAt);
    }, 60_000, 500);
    const d = auto.status.diagnosis;
    expect(auto.status.remediation?.reason ?? auto.status.phaseReason).to.match(/OptedOut|RollbackRefused/);
    expect(d.history.revisions.map((r: any) => r.revision)).to.deep.equal([3, 2, 1]);
    expect(d.history.revisions[0].images).to.deep.equal(['example.test/app:3']);
    expect(d.history.revisions[0].changeCause).to.equal('v3 bad');
    expect(d.history.currentRevision).to.equal(3);
    expect(d.history.lastKnownGood.revision).to.equal(2);
    expect(d.history.lastKnownGood.source).to.equal('Recorded');
    expect(d.summary).to.match(/last known good: revision 2/);
  });
});
