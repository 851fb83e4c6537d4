/**
 * A real shared cause end to end (issue 15), against the real API server, the operator process and PostgreSQL's
 * harness: the operator refuses a rollback only on evidence, and the escalation names it.
 *  (a) a bad new revision while the pods of the previous, formerly healthy revision start crash-looping too: rule
 *      OlderRevisionsCrashing, naming the revision and its pods;
 *  (b) the Incident's database is down (spec.database points at a Secret with a port nothing listens on): rule
 *      DatabaseUnreachable, naming the failed step — and never the Secret's contents (a canary password).
 * Both are set up before the operator starts, so its caches hold the failing pods when the Incidents are diagnosed.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { applyYaml, createTestNamespace, deleteNamespace, kubectl, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { ensurePostgres } from '../../harness/postgres.js';
import { badRollout, createIncident, getDeployment, imageOf, listPods, summariseIncident, timelineTypes, waitForIncidentPhase, type Json } from '../../harness/rollout.js';

const GOOD = 'example.test/api:1.0.0';
const BAD = 'example.test/api:2.0.0';
const CONSENT = { 'runbook.dev/remediation': 'enabled' };
const REVISION = 'deployment.kubernetes.io/revision';

/** A port on 127.0.0.1 with nothing listening (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function revisionOfPod(ns: string, pod: Json): Promise<number> {
  const rs = pod.metadata.ownerReferences?.find((o: Json) => o.kind === 'ReplicaSet')?.name;
  const r = await kubectl(['get', 'rs', rs, '-n', ns, '-o', 'json']);
  return Number(JSON.parse(r.stdout).metadata.annotations[REVISION]);
}

const crashLooping = (p: Json): boolean => (p.status?.containerStatuses ?? []).some((c: Json) => c.state?.waiting?.reason === 'CrashLoopBackOff');

describe('remediate: a real shared cause is never rolled back, and the escalation names the evidence (operator process)', function () {
  const ns = { older: '', database: '' };
  const canary = `CANARY-${randomBytes(8).toString('hex')}`;
  let oldPods: string[] = [];
  let op: OperatorProcess;
  let failed = false;

  before(async () => {
    ns.older = await createTestNamespace('shared-older', CONSENT);
    ns.database = await createTestNamespace('shared-db', CONSENT);

    // (a) revision 2 crash-loops next to revision 1's two pods (maxUnavailable 0 of 2), then revision 1's pods break too.
    await badRollout({ name: 'api', namespace: ns.older, replicas: 2, good: GOOD, bad: BAD });
    const pods = await listPods(ns.older, 'api');
    for (const p of pods) if ((await revisionOfPod(ns.older, p)) === 1) oldPods.push(p.metadata.name);
    oldPods = oldPods.sort();
    expect(oldPods, 'revision 1 still runs its two pods').to.have.length(2);
    for (const name of oldPods) {
      const r = await kubectl(['label', 'pod', name, '-n', ns.older, 'chaos.runbook.dev/crashloop=true']);
      expect(r.code, r.stderr).to.equal(0);
    }
    await waitFor('revision 1\'s pods crash-loop', async () => {
      const now = await listPods(ns.older, 'api');
      return oldPods.every((n) => now.some((p: Json) => p.metadata.name === n && crashLooping(p))) || undefined;
    }, 60_000, 300);

    // (b) a bad release whose previous revision is healthy, but the Incident's database is down.
    await badRollout({ name: 'api', namespace: ns.database, replicas: 1, good: GOOD, bad: BAD });
    const pg = await ensurePostgres();
    const port = await closedPort();
    await applyYaml(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns.database },
      stringData: { host: '127.0.0.1', port: String(port), database: pg.database, user: pg.operator.user, password: canary, sslmode: 'disable' } }));

    op = startOperatorProcess({ namespaces: [ns.older, ns.database], env: { ROLLBACK_ALLOW_UNVERIFIED: 'true', ROLLBACK_RATE_LIMIT_MAX: '5' } });
    await op.waitForLog(/leading: workers started/, 60_000);
  });
  afterEach(function () { if (this.currentTest?.state === 'failed') failed = true; });
  after(async () => {
    await stopOperators([op], failed, 80);
    for (const n of Object.values(ns)) if (n) await deleteNamespace(n);
  });

  it('(a) pods of the formerly healthy revision crash too: no rollback; escalated with rule OlderRevisionsCrashing, the revision and its pods named', async () => {
    const n = ns.older;
    await createIncident({ name: 'outage', namespace: n, target: 'api' });
    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 90_000);
    const why = JSON.stringify(summariseIncident(inc));
    expect(inc.status.phaseReason, why).to.equal('SharedCauseSuspected');
    expect(inc.status.diagnosis.sharedCause).to.include({ shared: true });
    expect(inc.status.diagnosis.sharedCause.reasons).to.deep.equal(['OlderRevisionsCrashing']);
    const message: string = inc.status.diagnosis.proposal.message;
    expect(inc.status.diagnosis.proposal).to.include({ action: 'Escalate', reason: 'SharedCauseSuspected' });
    expect(message).to.include('rule OlderRevisionsCrashing').and.include('revision 1: 2 of 2 pod(s) crash-looping').and.include(`pods ${oldPods.join(', ')}`);
    // The escalation (the phase's timeline entry and condition people and notifications see) carries the same evidence.
    const said = [...(inc.status.timeline ?? []), ...(inc.status.conditions ?? [])].map((e: Json) => e.message ?? '').filter((m: string) => m.includes('OlderRevisionsCrashing'));
    expect(said.length, JSON.stringify(inc.status.timeline)).to.be.at.least(1);
    expect(timelineTypes(inc)).to.not.include('RollbackIntended');
    expect(inc.status.remediation?.state ?? 'None').to.not.equal('Succeeded');
    expect(imageOf(await getDeployment(n, 'api'))).to.equal(BAD);
  });

  it('(b) the Incident\'s database is down: no rollback; escalated with rule DatabaseUnreachable and the failed step, the Secret never shown', async () => {
    const n = ns.database;
    await createIncident({ name: 'outage', namespace: n, target: 'api', database: { secretRef: { name: 'db' } } });
    const inc = await waitForIncidentPhase(n, 'outage', 'Escalated', 90_000);
    const why = JSON.stringify(summariseIncident(inc));
    expect(inc.status.phaseReason, why).to.equal('SharedCauseSuspected');
    expect(inc.status.diagnosis.database.connectivity.reachable).to.equal(false);
    expect(inc.status.diagnosis.sharedCause.reasons).to.deep.equal(['DatabaseUnreachable']);
    expect(inc.status.diagnosis.proposal.message).to.include('rule DatabaseUnreachable').and.include('(step tcp: ConnectionRefused)');
    expect(timelineTypes(inc)).to.not.include('RollbackIntended');
    expect(imageOf(await getDeployment(n, 'api'))).to.equal(BAD);
    // PHI-safe: nothing from the Secret reaches status, Events or the operator's log.
    expect(JSON.stringify(inc)).to.not.include(canary);
    const events = await kubectl(['get', 'events', '-n', n, '-o', 'json']);
    expect(events.stdout).to.not.include(canary);
    expect(op.output()).to.not.include(canary);
  });
});
