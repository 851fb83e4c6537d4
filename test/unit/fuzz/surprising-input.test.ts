/**
 * Fuzzed input (issue 17): property-based generators for the shapes the operator reads from outside —
 * Alertmanager payloads (and plain garbage) at the intake, Deployments / ReplicaSets / Pods with
 * surprising shapes in the caches. The intake answers 4xx on garbage and never 5xx; the decision code
 * never throws on an object the API server could hand it. Each property prints how many cases it tried.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { createAlertmanagerHandler } from '../../../src/intake/alertmanager-http.js';
import { alertsToIncidentIntents, parseAlertmanagerPayload } from '../../../src/intake/alertmanager.js';
import type { KubeDeployment, KubePod, KubeReplicaSet } from '../../../src/decide/kube-types.js';
import { summarisePodHealth } from '../../../src/decide/pod-health.js';
import { diagnoseRolloutHistory } from '../../../src/decide/rollout-history.js';
import { snapshotTarget } from '../../../src/controllers/target-snapshot.js';
import type { Caches, ReadCache } from '../../../src/ports/caches.js';

const RUNS = 300;
const counts: Record<string, number> = {};

/** Any JSON value, biased toward the keys the parser looks at. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('alerts', 'status', 'labels', 'annotations', 'fingerprint', 'namespace', 'deployment', 'severity', 'startsAt', 'version', 'groupKey', 'x', '__proto__', 'constructor'), tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** An Alertmanager alert with each field either plausible or wrong. */
const alertArb = fc.record({
  status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.string(), fc.integer()),
  labels: fc.oneof(fc.dictionary(fc.constantFrom('alertname', 'namespace', 'deployment', 'severity', 'pod', 'service'), fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('kube-system', 'default', 'patient-advocacy', 'critical', 'P0', ''))), jsonish),
  annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 200 })), jsonish),
  startsAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
  endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), fc.string()),
  fingerprint: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 16 }), fc.string(), fc.integer()),
}, { requiredKeys: [] });

const payloadArb = fc.record({
  version: fc.oneof(fc.constant('4'), fc.string()),
  groupKey: fc.string({ maxLength: 40 }),
  status: fc.constantFrom('firing', 'resolved', 'bogus'),
  receiver: fc.string({ maxLength: 20 }),
  alerts: fc.oneof(fc.array(alertArb, { maxLength: 5 }), jsonish),
}, { requiredKeys: [] });

describe('fuzz: surprising input', () => {
  after(() => console.log(`      [fuzz] cases tried: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(', ')}`));

  describe('Alertmanager intake', () => {
    it('parse and intent mapping never throw on any JSON value', () => {
      fc.assert(fc.property(fc.oneof(jsonish, payloadArb), (body) => {
        counts.payloadsParsed = (counts.payloadsParsed ?? 0) + 1;
        const r = parseAlertmanagerPayload(body);
        if (r.ok) {
          const intents = alertsToIncidentIntents(r.value, { defaultSeverity: 'P2' });
          expect(intents).to.be.an('array');
        } else {
          expect(r.reason).to.be.a('string').and.not.equal('');
        }
      }), { numRuns: RUNS * 3 });
    });

    describe('over HTTP', () => {
      let server: Server;
      let url: URL;
      const created: unknown[] = [];
      before(async () => {
        const handler = createAlertmanagerHandler({
          token: () => 'fuzz-token', maxBodyBytes: 16 * 1024,
          onIntents: async (intents) => { created.push(...intents); },
          refuseNamespace: (ns) => (ns === 'kube-system' ? 'protected namespace' : undefined),
        });
        server = createServer(handler);
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`);
      });
      after(async () => { await new Promise<void>((r) => server.close(() => r())); });

      const post = (body: string | Buffer, headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
        const req = request(url, { method: 'POST', headers }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
        req.on('error', reject);
        req.end(body);
      });

      it('garbage bodies get a 4xx, never a 5xx, and never create an Incident', async () => {
        const garbage = fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
          jsonish.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v) ?? 'null'),
          fc.constant('{"alerts": ['), fc.constant('{'.repeat(500)),
        );
        await fc.assert(fc.asyncProperty(garbage, async (body) => {
          counts.httpGarbage = (counts.httpGarbage ?? 0) + 1;
          const before = created.length;
          const status = await post(body, { authorization: 'Bearer fuzz-token', 'content-type': 'application/json' });
          expect(status, `status for ${JSON.stringify(body).slice(0, 60)}`).to.be.within(400, 499);
          expect(created.length).to.equal(before);
        }), { numRuns: 150 });
      });

      it('structured payloads are either accepted (2xx) or refused with a 4xx: never a 5xx', async () => {
        await fc.assert(fc.asyncProperty(payloadArb, async (p) => {
          counts.httpPayloads = (counts.httpPayloads ?? 0) + 1;
          const status = await post(JSON.stringify(p), { authorization: 'Bearer fuzz-token', 'content-type': 'application/json' });
          expect(status).to.satisfy((s: number) => (s >= 200 && s < 300) || (s >= 400 && s < 500));
        }), { numRuns: 150 });
      });

      it('without the token nothing is read: 401 for any body', async () => {
        await fc.assert(fc.asyncProperty(fc.oneof(payloadArb.map((p) => JSON.stringify(p)), fc.string()), fc.option(fc.string({ maxLength: 30 })), async (body, auth) => {
          counts.httpUnauthenticated = (counts.httpUnauthenticated ?? 0) + 1;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (auth !== null && auth !== 'Bearer fuzz-token' && /^[\x20-\x7e]*$/.test(auth)) headers.authorization = auth;
          expect(await post(body, headers)).to.equal(401);
        }), { numRuns: 80 });
      });
    });
  });

  describe('Deployments, ReplicaSets and Pods with surprising shapes', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const meta = (kind: string) => fc.record({
      name: maybe(fc.constantFrom('api', 'api-1', 'api-2', '', 'x'.repeat(70))),
      namespace: maybe(fc.constantFrom('ns', '')),
      uid: maybe(fc.constantFrom('u1', 'u2', '')),
      generation: maybe(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double())),
      resourceVersion: maybe(fc.string({ maxLength: 5 })),
      annotations: maybe(fc.dictionary(fc.constantFrom('deployment.kubernetes.io/revision', 'runbook.dev/last-known-good', 'runbook.dev/rollback-history', 'kubernetes.io/change-cause'), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('1', '2', '-1', 'NaN', '{"revision":1}', '[]')))),
      labels: maybe(fc.dictionary(fc.constantFrom('app', 'pod-template-hash'), fc.string({ maxLength: 10 }))),
      ownerReferences: maybe(fc.array(fc.record({ kind: fc.constantFrom('Deployment', 'ReplicaSet', kind, 'StatefulSet'), name: fc.constantFrom('api', 'api-1', 'api-2'), uid: maybe(fc.constantFrom('u1', 'u2')), controller: maybe(fc.boolean()) }, { requiredKeys: ['kind'] }), { maxLength: 3 })),
      creationTimestamp: maybe(fc.oneof(fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'not a date' : d.toISOString())), fc.string({ maxLength: 8 }))),
    }, { requiredKeys: [] });
    const containerStatus = fc.record({
      name: fc.constantFrom('api', 'sidecar'), ready: maybe(fc.boolean()), restartCount: maybe(fc.oneof(fc.integer({ min: -1, max: 50 }), fc.double())),
      state: maybe(fc.oneof(fc.constant({}), fc.record({ waiting: fc.record({ reason: maybe(fc.constantFrom('CrashLoopBackOff', 'ImagePullBackOff', '')) }) }), fc.record({ terminated: fc.record({ exitCode: maybe(fc.integer({ min: -1, max: 255 })), reason: maybe(fc.string({ maxLength: 10 })) }) }))),
      lastState: maybe(fc.record({ terminated: maybe(fc.record({ exitCode: maybe(fc.integer({ min: 0, max: 2 })) })) })),
    }, { requiredKeys: ['name'] });
    const template = maybe(fc.record({ metadata: maybe(fc.record({ labels: maybe(fc.dictionary(fc.constantFrom('app', 'pod-template-hash'), fc.string({ maxLength: 6 }))) })), spec: maybe(fc.record({ containers: maybe(fc.array(fc.record({ name: fc.constant('api'), image: maybe(fc.string({ maxLength: 12 })) }), { maxLength: 2 })) })) }));
    const deployment = fc.record({
      metadata: maybe(meta('Deployment')),
      spec: maybe(fc.record({ replicas: maybe(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.double())), paused: maybe(fc.boolean()), template }, { requiredKeys: [] })),
      status: maybe(fc.record({ replicas: maybe(fc.integer({ min: 0, max: 5 })), readyReplicas: maybe(fc.integer({ min: 0, max: 5 })), availableReplicas: maybe(fc.integer({ min: 0, max: 5 })), updatedReplicas: maybe(fc.integer({ min: 0, max: 5 })), observedGeneration: maybe(fc.integer({ min: 0, max: 5 })), conditions: maybe(fc.array(fc.record({ type: fc.constantFrom('Available', 'Progressing'), status: fc.constantFrom('True', 'False', 'Unknown') }), { maxLength: 2 })) }, { requiredKeys: [] })),
    }, { requiredKeys: [] });
    const replicaSet = fc.record({ metadata: maybe(meta('Deployment')), spec: maybe(fc.record({ template, replicas: maybe(fc.integer({ min: 0, max: 3 })) }, { requiredKeys: [] })), status: maybe(fc.record({ replicas: maybe(fc.integer({ min: 0, max: 3 })) }, { requiredKeys: [] })) }, { requiredKeys: [] });
    const pod = fc.record({ metadata: maybe(meta('ReplicaSet')), status: maybe(fc.record({ phase: maybe(fc.constantFrom('Running', 'Pending', 'Failed', '')), containerStatuses: maybe(fc.array(containerStatus, { maxLength: 2 })), initContainerStatuses: maybe(fc.array(containerStatus, { maxLength: 1 })), conditions: maybe(fc.array(fc.record({ type: fc.constantFrom('Ready'), status: fc.constantFrom('True', 'False') }), { maxLength: 1 })) }, { requiredKeys: [] })) }, { requiredKeys: [] });

    it('pod health, rollout history and the target snapshot never throw', () => {
      fc.assert(fc.property(deployment, fc.array(replicaSet, { maxLength: 4 }), fc.array(pod, { maxLength: 6 }), (d, rss, pods) => {
        counts.objectShapes = (counts.objectShapes ?? 0) + 1;
        const dep = d as KubeDeployment;
        const sets = rss as KubeReplicaSet[];
        const ps = pods as KubePod[];
        const health = summarisePodHealth(dep, sets, ps, 3);
        expect(health.summary).to.be.a('string');
        expect(health.crashLoopingPods).to.be.at.least(0);
        const history = diagnoseRolloutHistory(dep, sets);
        expect(history.revisions).to.be.an('array');
        const cache = <T>(items: T[]): ReadCache<T> => ({ get: () => items[0], list: () => items });
        const caches: Caches = { incidents: cache([]), deployments: cache([dep]), replicaSets: cache(sets), pods: cache(ps), namespaces: cache([]), policies: cache([]) };
        const snap = snapshotTarget(caches, 'ns', 'api', 3);
        expect(snap.summary).to.be.a('string');
      }), { numRuns: RUNS });
    });
  });
});
