/**
 * Fuzzed manifests against the real API server and the real operator (issue 17, "Fuzzed input"): fast-check
 * generates Incident and EscalationPolicy manifests of surprising shapes (valid, almost valid, garbage).
 * The API server must refuse the invalid ones with a 4xx naming the problem (never a 5xx); the operator
 * must never crash or wedge on the accepted ones: each reaches a phase for its generation. Counts printed.
 * The seed is fixed (FUZZ_SEED overrides it) so a failure reproduces.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import fc from 'fast-check';
import { createTestNamespace, deleteNamespace, ensureCluster, waitFor } from '../../harness/cluster.js';
import { startOperatorProcess, stopOperators, type OperatorProcess } from '../../harness/operator-process.js';
import { applyDeployment, waitForHealthy } from '../../harness/rollout.js';
import { statusCode } from '../../../src/runtime/kube-errors.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const INCIDENTS = Number(process.env.FUZZ_INCIDENTS ?? 60);
const POLICIES = Number(process.env.FUZZ_POLICIES ?? 20);
const GROUP = 'runbook.dev';
const VERSION = 'v1alpha1';

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const odd = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
/** Mostly `good`, now and then `bad`: most manifests get past the schema, many do not. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
const rarely = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 15 }, { arbitrary: a, weight: 1 });

/** Spec fields: mostly plausible, sometimes wrong in type, enum, length or presence; sometimes unknown fields. */
const incidentSpec = fc.record({
  severity: mostly(fc.constantFrom('P0', 'P1', 'P2', 'P3'), fc.oneof(fc.constantFrom('P4', 'p1', ''), odd)),
  summary: mostly(fc.string({ minLength: 1, maxLength: 60 }).filter((x) => x.trim() !== ''), fc.oneof(fc.string({ minLength: 121, maxLength: 200 }), odd)),
  description: maybe(mostly(fc.string({ maxLength: 300 }), odd)),
  runbook: maybe(mostly(fc.constantFrom('APIOutage', 'CrashLoop'), fc.oneof(fc.constant('DatabasePerformance'), fc.string({ maxLength: 10 })))),
  target: mostly(fc.record({ name: fc.constantFrom('fuzz-api', 'missing-api') }), fc.oneof(
    fc.constant(undefined),
    fc.record({ name: fc.constantFrom('Not_A_Name', '') }),
    fc.record({ kind: fc.constantFrom('Deployment', 'StatefulSet'), name: fc.constantFrom('fuzz-api', 'x') }),
    odd,
  )),
  database: rarely(mostly(
    fc.record({ secretRef: fc.record({ name: fc.constantFrom('no-such-secret', '') }), terminateLongQueries: maybe(fc.boolean()), maxTerminations: maybe(fc.integer({ min: -1, max: 200 })), longQueryThresholdSeconds: maybe(fc.integer({ min: -5, max: 100_000 })) }, { requiredKeys: [] }),
    odd,
  )),
  rollback: maybe(fc.record({ policy: maybe(mostly(fc.constantFrom('Automatic', 'Manual', 'Disabled'), fc.constant('Sometimes'))), toRevision: rarely(fc.integer({ min: -1, max: 9 })), approved: maybe(mostly(fc.boolean(), odd)) }, { requiredKeys: [] })),
  escalationPolicyRef: maybe(fc.record({ name: fc.constantFrom('fuzz-policy-0', 'fuzz-policy-1', 'fuzz-policy-2', 'absent') })),
  acknowledgement: rarely(fc.record({ acknowledgedBy: mostly(fc.constant('alice'), fc.oneof(fc.constant(''), fc.string({ minLength: 129, maxLength: 200 }))) })),
  resolution: rarely(fc.record({ resolvedBy: fc.constantFrom('bob', ''), note: maybe(fc.string({ maxLength: 40 })) }, { requiredKeys: ['resolvedBy'] })),
  unknownField: rarely(odd),
}, { requiredKeys: [] });

const target = (name: string, type: string) => fc.record({
  name: mostly(fc.constantFrom(`${name}-a`, `${name}-b`), fc.constant('Bad Name')), type: mostly(fc.constant(type), fc.constantFrom('pagerduty', 'webhook', 'email')),
  secretRef: fc.record({ name: mostly(fc.constant('notify'), fc.constant('')), key: mostly(fc.constant('url'), fc.constant('')) }),
});
const policySpec = fc.record({
  tiers: mostly(
    fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => fc.record({ name: fc.constantFrom('On-call', 'Lead'), level: mostly(fc.constant(k + 1), fc.integer({ min: 0, max: 4 })), targets: fc.array(target(`t${k}`, 'slack'), { minLength: 1, maxLength: 2 }), triggers: maybe(fc.array(mostly(fc.constantFrom('OnOpen', 'AcknowledgeDeadlineExceeded'), fc.constant('Nope')), { minLength: 1, maxLength: 2 })) }, { requiredKeys: ['name', 'level', 'targets'] })))),
    odd,
  ),
  severityRules: rarely(fc.array(fc.record({ severity: mostly(fc.constantFrom('P0', 'P1'), fc.constant('P5')), tierOnOpen: maybe(mostly(fc.constant(1), fc.integer({ min: 0, max: 4 }))), businessHoursOnly: maybe(fc.boolean()), repeatMinutes: maybe(mostly(fc.integer({ min: 1, max: 30 }), fc.constant(-1))) }, { requiredKeys: ['severity'] }), { maxLength: 3 })),
  calendar: rarely(fc.record({ timeZone: mostly(fc.constantFrom('UTC', 'Europe/Berlin'), fc.constant('Mars/Olympus')), days: fc.array(mostly(fc.constantFrom('Mon', 'Tue', 'Sun'), fc.constant('Funday')), { minLength: 1, maxLength: 3 }), start: mostly(fc.constant('09:00'), fc.constant('25:00')), end: mostly(fc.constant('17:00'), fc.constant('x')) })),
}, { requiredKeys: [] });

interface Outcome { accepted: string[]; refused: number; serverErrors: string[] }

async function createAll(custom: k8s.CustomObjectsApi, ns: string, plural: string, kind: string, specs: unknown[], namePrefix: string): Promise<Outcome> {
  const out: Outcome = { accepted: [], refused: 0, serverErrors: [] };
  for (const [i, spec] of specs.entries()) {
    const name = `${namePrefix}-${i}`;
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace: ns }, spec };
    try {
      await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural, body, fieldValidation: 'Strict' });
      out.accepted.push(name);
    } catch (e) {
      const code = statusCode(e);
      if (code !== undefined && code >= 400 && code < 500) {
        out.refused++;
        if (out.refused <= 3 && process.env.FUZZ_VERBOSE) console.log(`      [fuzz] refused ${name}: ${String((e as { body?: unknown }).body).slice(0, 300)}`);
      }
      else out.serverErrors.push(`${name}: ${code ?? (e as Error).message}`);
    }
  }
  return out;
}

describe('fuzz: manifests against the API server and the operator', function () {
  this.timeout(10 * 60_000);
  let ns: string;
  let op: OperatorProcess | undefined;
  let custom: k8s.CustomObjectsApi;

  before(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(ensureCluster().kubeconfig);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    ns = await createTestNamespace('fuzz');
    await applyDeployment({ name: 'fuzz-api', namespace: ns, image: 'registry.example/fuzz:1', replicas: 1 });
    await waitForHealthy(ns, 'fuzz-api', 'registry.example/fuzz:1');
    op = startOperatorProcess({ namespaces: [ns], env: { ACKNOWLEDGE_SECONDS: '2', RESPONSE_SECONDS_P0: '4', RESPONSE_SECONDS_P1: '4' } });
    await op.waitForLog(/leading: workers started/);
  });
  after(async function () {
    await stopOperators([op], this.currentTest?.state === 'failed');
    await deleteNamespace(ns);
  });

  it('refuses invalid manifests with a 4xx, and reconciles every accepted one to a phase without crashing', async () => {
    const policies = fc.sample(policySpec, { numRuns: POLICIES, seed: SEED });
    const incidents = fc.sample(incidentSpec, { numRuns: INCIDENTS, seed: SEED + 1 });
    const p = await createAll(custom, ns, 'escalationpolicies', 'EscalationPolicy', policies, 'fuzz-policy');
    const i = await createAll(custom, ns, 'incidents', 'Incident', incidents, 'fuzz-incident');
    console.log(`      [fuzz] seed ${SEED}: EscalationPolicies tried ${POLICIES}, accepted ${p.accepted.length}, refused ${p.refused}; Incidents tried ${INCIDENTS}, accepted ${i.accepted.length}, refused ${i.refused}`);
    expect(p.serverErrors, 'the API server answered 5xx').to.deep.equal([]);
    expect(i.serverErrors, 'the API server answered 5xx').to.deep.equal([]);
    expect(i.refused, 'the generators must produce invalid manifests too').to.be.greaterThan(0);
    expect(i.accepted.length, 'the generators must produce valid manifests too').to.be.greaterThan(0);
    expect(p.refused, 'the policy generator must produce invalid manifests').to.be.greaterThan(0);
    expect(p.accepted.length, 'and valid ones').to.be.greaterThan(0);

    const phases = new Map<string, string>();
    await waitFor('every accepted incident reconciled for its generation', async () => {
      const list = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'incidents' }) as { items: { metadata: { name: string; generation?: number }; status?: { phase?: string; observedGeneration?: number } }[] };
      for (const item of list.items) if (item.status?.phase && item.status.observedGeneration === item.metadata.generation) phases.set(item.metadata.name, item.status.phase);
      return i.accepted.every((n) => phases.has(n)) || undefined;
    }, 180_000, 1000);
    const byPhase: Record<string, number> = {};
    for (const ph of phases.values()) byPhase[ph] = (byPhase[ph] ?? 0) + 1;
    console.log(`      [fuzz] phases of the accepted incidents: ${JSON.stringify(byPhase)}`);
    expect(op!.exited(), 'the operator exited').to.equal(false);
    const crashes = op!.logLines().filter((l) => /unhandled rejection|work queue internal error/.test(String(l.message)));
    expect(crashes.map((l) => l.message)).to.deep.equal([]);
  });
});
