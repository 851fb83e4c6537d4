/**
 * The Incident controller end to end against the real API server and the real operator process: a healthy
 * target resolves by itself, a person acknowledges and resolves (kubectl patch and the kubectl-incident
 * plugin), and a missing or deleted target escalates without crashing the operator.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { applyYaml, createTestNamespace, deleteNamespace, ensureCluster, getJson, kubectl, repoRoot, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { condition, deleteLease, incidentEventReasons, timelineProblems, type Json } from '../../harness/operator-observe.js';
import {
  applyDeployment, createIncident, getIncident, listPods, listReplicaSets, orderedIndices, summariseIncident, timelineTypes, waitForHealthy,
  waitForIncidentPhase, waitForLastKnownGood, waitForRevision,
} from '../../harness/rollout.js';

const execFileAsync = promisify(execFile);
const CONSENT = { 'runbook.dev/remediation': 'enabled' } as const;
const SAMPLE_IMAGE = 'registry.example/patient-advocacy-api:1.0.0';

/** deploy/samples/<file> moved to `ns` (the sample Namespace document dropped). */
function sampleIn(file: string, ns: string): string {
  return readFileSync(join(repoRoot, 'deploy/samples', file), 'utf8')
    .split(/^---\s*$/m)
    .filter((doc) => !/^kind:\s*Namespace\s*$/m.test(doc))
    .join('\n---\n')
    .replace(/namespace: patient-advocacy\b/g, `namespace: ${ns}`);
}

async function mergePatch(ns: string, name: string, patch: Record<string, unknown>): Promise<void> {
  const r = await kubectl(['patch', 'incident', name, '-n', ns, '--type', 'merge', '-p', JSON.stringify(patch)]);
  if (r.code !== 0) throw new Error(`patch ${name}: ${r.stderr}`);
}

async function waitForIncident(ns: string, name: string, what: string, pred: (i: Json) => boolean, timeoutMs = 60_000): Promise<Json> {
  let last: Json;
  try {
    return await waitFor(`incident ${name}: ${what}`, async () => {
      last = await getIncident(ns, name);
      return pred(last) ? last : undefined;
    }, timeoutMs, 300);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last: ${JSON.stringify(summariseIncident(last))}`, { cause: e });
  }
}

describe('controllers: incident lifecycle (operator process)', function () {
  let ns: string;
  let op: OperatorProcess;

  before(async () => {
    ns = await createTestNamespace('inc-life');
    op = startOperatorProcess({ namespaces: [ns] });
    await op.waitForLog(/leading: workers started/);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(op.output().split('\n').slice(-40).join('\n'));
  });
  after(async () => {
    await op?.kill();
    if (ns) {
      await deleteLease(`incident-operator-${ns}`); // the harness's default lease name
      await deleteNamespace(ns);
    }
  });

  describe('a healthy target (deploy/samples)', () => {
    const name = 'api-5xx-spike';

    before(async () => {
      await applyYaml(sampleIn('target-deployment.yaml', ns));
      await waitForHealthy(ns, 'patient-advocacy-api', SAMPLE_IMAGE);
      // The operator's cache sees it healthy too (it recorded the opted-in sample's last known good): a diagnosis
      // from a cache still showing the rollout proposes Escalate, and the incident would end RecoveredWhileEscalated.
      await waitForLastKnownGood(ns, 'patient-advocacy-api', 1);
      await applyYaml(sampleIn('incident.yaml', ns));
    });

    it('kubectl get incidents shows SEVERITY PHASE TARGET TIER ACKNOWLEDGED AGE', async () => {
      await waitForIncident(ns, name, 'has a phase', (i) => !!i.status?.phase);
      const r = await kubectl(['get', 'incidents', '-n', ns]);
      expect(r.code, r.stderr).to.equal(0);
      const [header, ...rows] = r.stdout.trim().split('\n');
      expect(header).to.match(/^NAME\s+SEVERITY\s+PHASE\s+TARGET\s+TIER\s+ACKNOWLEDGED\s+AGE$/);
      const row = rows.find((l) => l.startsWith(`${name} `));
      expect(row, r.stdout).to.match(new RegExp(`^${name}\\s+P1\\s+(Pending|Diagnosing|Monitoring|Resolved)\\s+patient-advocacy-api\\s+`));
    });

    it('progresses Diagnosing → Monitoring → Resolved (ResolvedAutomatically) after the monitor window', async () => {
      const inc = await waitForIncidentPhase(ns, name, 'Resolved', 60_000);
      expect(inc.status.phaseReason).to.equal('ResolvedAutomatically');
      expect(inc.status.resolvedAt).to.be.a('string');
      const idx = orderedIndices(timelineTypes(inc), ['Opened', 'PhaseDiagnosing', 'Diagnosed', 'PhaseMonitoring', 'PhaseResolved']);
      expect(idx, JSON.stringify(timelineTypes(inc))).to.not.include(-1);
      expect(inc.status.diagnosis.proposal.action).to.equal('None');
      const r = await kubectl(['get', 'incidents', name, '-n', ns, '--no-headers']);
      expect(r.stdout).to.match(/\sResolved\s/);
    });

    it('records status.podHealth with 3/3 ready pods', async () => {
      const inc = await getIncident(ns, name);
      expect(inc.status.podHealth).to.deep.include({ desired: 3, ready: 3, available: 3, total: 3, crashLoopingPods: 0 });
      expect(inc.status.podHealth.summary).to.be.a('string').and.not.empty;
    });

    it('sets TargetFound and TargetHealthy conditions with the observed generation', async () => {
      const inc = await getIncident(ns, name);
      const gen = inc.metadata.generation;
      const expected: [string, string, string][] = [
        ['TargetFound', 'True', 'TargetFound'],
        ['TargetHealthy', 'True', 'PodsHealthy'],
        ['Diagnosed', 'True', 'DiagnosisComplete'],
        ['Resolved', 'True', 'ResolvedAutomatically'],
      ];
      for (const [type, status, reason] of expected) {
        const c = condition(inc, type);
        expect(c, `condition ${type}`).to.not.equal(undefined);
        expect({ type, status: c.status, reason: c.reason }).to.deep.equal({ type, status, reason });
        expect(c.observedGeneration, `${type}.observedGeneration`).to.equal(gen);
        expect(Date.parse(c.lastTransitionTime), `${type}.lastTransitionTime`).to.be.above(0);
      }
    });

    it('kubectl describe incident shows the Events (Opened, DiagnosisComplete, ...)', async () => {
      const reasons = await waitFor('resolution event', async () => {
        const rs = await incidentEventReasons(ns, name);
        return rs.includes('ResolvedAutomatically') ? rs : undefined;
      }, 30_000);
      expect(reasons).to.include.members(['Opened', 'DiagnosisStarted', 'DiagnosisComplete', 'PodsHealthy', 'ResolvedAutomatically']);
      const r = await kubectl(['describe', 'incident', name, '-n', ns]);
      expect(r.code, r.stderr).to.equal(0);
      const events = r.stdout.slice(r.stdout.indexOf('\nEvents:'));
      expect(events).to.match(/Normal\s+Opened\s+.*incident-operator\s+P1 incident opened/);
      expect(events).to.match(/Normal\s+DiagnosisComplete\s/);
      expect(events).to.match(/Normal\s+ResolvedAutomatically\s/);
    });

    it('has status.observedGeneration == metadata.generation, also after a spec change', async () => {
      const inc = await getIncident(ns, name);
      expect(inc.status.observedGeneration).to.equal(inc.metadata.generation);
      await mergePatch(ns, name, { spec: { summary: 'API 5xx: narrowed down to the login endpoint' } });
      const after = await waitForIncident(ns, name, 'observedGeneration follows the new generation',
        (i) => i.metadata.generation === inc.metadata.generation + 1 && i.status.observedGeneration === i.metadata.generation);
      expect(after.status.phase).to.equal('Resolved');
    });

    it('keeps a consistent timeline: each entry once, timelineTotal == entries', async () => {
      const inc = await getIncident(ns, name);
      expect(timelineProblems(inc)).to.deep.equal([]);
      expect(inc.status.timelineTotal).to.equal(inc.status.timeline.length);
      for (const e of inc.status.timeline) expect(e).to.include.all.keys('time', 'type', 'message');
    });
  });

  describe('a person acknowledges and resolves (crash-looping target, no opt-in, rollback Disabled)', () => {
    const target = 'crashy';
    const name = 'crashy-down';

    before(async () => {
      await applyDeployment({ name: target, namespace: ns, replicas: 2, crashLoop: true });
      await createIncident({ name, namespace: ns, target, severity: 'P2', rollback: { policy: 'Disabled' } });
    });

    it('escalates and stays Escalated, awaiting acknowledgement', async () => {
      const inc = await waitForIncidentPhase(ns, name, 'Escalated', 60_000);
      expect(condition(inc, 'Acknowledged')).to.deep.include({ status: 'False', reason: 'AwaitingAcknowledgement' });
      expect(inc.status.acknowledgedAt).to.equal(undefined);
      expect(condition(inc, 'TargetHealthy')?.status).to.equal('False');
      // no automatic incident for a Deployment without the opt-in
      const all = await getJson<{ items: Json[] }>(['get', 'incidents', '-n', ns]);
      expect(all.items.filter((i) => i.spec.target?.name === target).map((i) => i.metadata.name)).to.deep.equal([name]);
    });

    it('spec.acknowledgement sets status.acknowledgedAt and Acknowledged=True', async () => {
      await mergePatch(ns, name, { spec: { acknowledgement: { acknowledgedBy: 'carol' } } });
      const inc = await waitForIncident(ns, name, 'acknowledged', (i) => !!i.status?.acknowledgedAt);
      expect(condition(inc, 'Acknowledged')).to.deep.include({ status: 'True', reason: 'AcknowledgedByPerson', message: 'acknowledged by carol' });
      expect(Date.parse(inc.status.acknowledgedAt)).to.be.at.least(Date.parse(inc.metadata.creationTimestamp));
      expect(inc.status.phase).to.equal('Escalated');
      const r = await kubectl(['get', 'incidents', name, '-n', ns, '--no-headers']);
      expect(r.stdout).to.match(new RegExp(`^${name}\\s+P2\\s+Escalated\\s+${target}\\s+\\S+\\s+carol\\s`));
    });

    it('spec.resolution resolves it: phase Resolved, reason ResolvedByPerson', async () => {
      await mergePatch(ns, name, { spec: { resolution: { resolvedBy: 'alice', note: 'fixed' } } });
      const inc = await waitForIncidentPhase(ns, name, 'Resolved', 30_000);
      expect(inc.status.phaseReason).to.equal('ResolvedByPerson');
      expect(condition(inc, 'Resolved')).to.deep.include({ status: 'True', reason: 'ResolvedByPerson', message: 'resolved by alice: fixed' });
      expect(inc.status.resolvedAt).to.be.a('string');
      expect(timelineTypes(inc).filter((t) => t === 'PhaseResolved')).to.have.length(1);
      expect(timelineProblems(inc)).to.deep.equal([]);
    });

    it('the shipped plugin `kubectl incident ack NAME --by bob` acknowledges through our kubectl', async () => {
      const other = 'crashy-ack-plugin';
      await createIncident({ name: other, namespace: ns, target, severity: 'P3', rollback: { policy: 'Disabled' } });
      await waitForIncidentPhase(ns, other, 'Escalated', 60_000);
      const { binDir, kubeconfig } = ensureCluster();
      const { stdout } = await execFileAsync(join(repoRoot, 'bin/kubectl-incident'), ['ack', other, '-n', ns, '--by', 'bob'], {
        env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: kubeconfig }, timeout: 60_000,
      });
      expect(stdout).to.include(`incident ${other} acknowledged`);
      const inc = await waitForIncident(ns, other, 'acknowledged by bob', (i) => condition(i, 'Acknowledged')?.status === 'True');
      expect(inc.spec.acknowledgement.acknowledgedBy).to.equal('bob');
      expect(condition(inc, 'Acknowledged')?.message).to.equal('acknowledged by bob');
      expect(Date.parse(inc.status.acknowledgedAt)).to.equal(Date.parse(inc.spec.acknowledgement.acknowledgedAt));
    });
  });

  describe('the target is missing or goes away', () => {
    it('a Deployment that does not exist: TargetFound=False (TargetNotFound), Escalated, operator still running', async () => {
      const name = 'ghost-target';
      await createIncident({ name, namespace: ns, target: 'does-not-exist', severity: 'P1' });
      const inc = await waitForIncidentPhase(ns, name, 'Escalated', 60_000);
      expect(inc.status.phaseReason).to.equal('TargetNotFound');
      expect(condition(inc, 'TargetFound')).to.deep.include({ status: 'False', reason: 'TargetNotFound' });
      expect(condition(inc, 'TargetFound')?.message).to.include('does-not-exist');
      expect(op.exited()).to.equal(false);
    });

    it('deleted while awaiting rollback approval: TargetFound=False (TargetDeleted), Escalated, no crash', async () => {
      const target = 'doomed';
      const name = 'doomed-down';
      // The owner's consent to remediation (not the crash-loop auto-rollback opt-in, which would open its own
      // Incident) and a recorded last known good: without them no rollback is proposed.
      await applyDeployment({ name: target, namespace: ns, replicas: 2, image: 'example.test/doomed:1', labels: { ...CONSENT } });
      await waitForHealthy(ns, target, 'example.test/doomed:1');
      await waitForLastKnownGood(ns, target, 1);
      await applyDeployment({ name: target, namespace: ns, replicas: 2, image: 'example.test/doomed:2', crashLoop: true, labels: { ...CONSENT } });
      await waitForRevision(ns, target, 2);
      await createIncident({ name, namespace: ns, target, severity: 'P1', rollback: { policy: 'Manual' } });
      const waiting = await waitForIncident(ns, name, 'Remediating, awaiting approval',
        (i) => i.status?.phase === 'Remediating' && i.status?.remediation?.state === 'AwaitingApproval', 60_000);
      expect(condition(waiting, 'TargetFound')?.status).to.equal('True');
      expect(waiting.status.remediation.toRevision).to.equal(1);

      const del = await kubectl(['delete', 'deployment', target, '-n', ns]);
      expect(del.code, del.stderr).to.equal(0);
      const inc = await waitForIncidentPhase(ns, name, 'Escalated', 60_000);
      expect(inc.status.phaseReason).to.equal('TargetDeleted');
      expect(condition(inc, 'TargetFound')).to.deep.include({ status: 'False', reason: 'TargetDeleted' });
      // Garbage collection of its ReplicaSets and pods triggers more reconciles: the reason must stick.
      await waitFor('pods of the deleted Deployment gone', async () => (await listPods(ns, target)).length === 0, 60_000, 500);
      await waitFor('ReplicaSets of the deleted Deployment gone', async () => (await listReplicaSets(ns, target)).length === 0, 60_000, 500);
      await new Promise((r) => setTimeout(r, 1_000));
      const later = await getIncident(ns, name);
      expect(condition(later, 'TargetFound')).to.deep.include({ status: 'False', reason: 'TargetDeleted' });
      expect(later.status.phase).to.equal('Escalated');
      expect(timelineProblems(later)).to.deep.equal([]);
      expect(op.exited()).to.equal(false);
      expect(op.logLines().filter((l) => l.level === 'error')).to.deep.equal([]);
    });
  });
});
