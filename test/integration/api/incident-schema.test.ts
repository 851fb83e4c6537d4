/**
 * The Incident API's validation as the real kube-apiserver enforces it (crds/incident.yaml): OpenAPI
 * schema, CEL rules and strict field validation. No operator runs here: only the API server decides.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestNamespace, deleteNamespace, getJson, kubectl, repoRoot } from '../../harness/cluster.js';

interface IncidentFixture {
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
}

const validSpec = (): Record<string, unknown> => ({
  severity: 'P1',
  summary: 'API endpoints return 5xx errors',
  runbook: 'APIOutage',
  target: { kind: 'Deployment', name: 'patient-advocacy-api' },
});

function incidentJson(f: IncidentFixture): string {
  return JSON.stringify({ apiVersion: 'runbook.dev/v1alpha1', kind: 'Incident', metadata: { name: f.name, namespace: f.namespace }, spec: f.spec });
}

function without(spec: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...spec };
  delete copy[key];
  return copy;
}

describe('Incident API schema (kube-apiserver validation)', function () {
  let ns: string;
  before(async () => { ns = await createTestNamespace('inc-schema'); });
  after(async () => { await deleteNamespace(ns); });

  const rejected: { title: string; name: string; spec: () => Record<string, unknown>; args: string[]; expect: RegExp[] }[] = [
    {
      title: 'a missing severity (spec.severity: Required value)',
      name: 'no-severity', spec: () => without(validSpec(), 'severity'), args: ['apply'],
      expect: [/spec\.severity: Required value/],
    },
    {
      title: 'severity P5 (spec.severity with the supported values)',
      name: 'sev-p5', spec: () => ({ ...validSpec(), severity: 'P5' }), args: ['apply'],
      expect: [/spec\.severity: Unsupported value: "P5"/, /supported values: "P0", "P1", "P2", "P3"/],
    },
    {
      title: 'an APIOutage without a target (our CEL message)',
      name: 'no-target', spec: () => without(validSpec(), 'target'), args: ['apply'],
      expect: [/spec\.target: Required value: spec\.target is required when spec\.runbook is APIOutage or CrashLoop/],
    },
    {
      title: 'an Incident without runbook nor target (runbook defaults to APIOutage, so the CEL rule applies)',
      name: 'no-runbook-no-target', spec: () => without(without(validSpec(), 'target'), 'runbook'), args: ['apply'],
      expect: [/spec\.target is required when spec\.runbook is APIOutage or CrashLoop/],
    },
    {
      title: 'a DatabasePerformance incident without spec.database',
      name: 'db-no-database', spec: () => ({ ...without(validSpec(), 'target'), runbook: 'DatabasePerformance' }), args: ['apply'],
      expect: [/spec\.database: Required value: spec\.database is required when spec\.runbook is DatabasePerformance/],
    },
    {
      title: 'an unknown field in spec with kubectl apply --validate=strict',
      name: 'unknown-apply', spec: () => ({ ...validSpec(), bogusField: 1 }), args: ['apply', '--validate=strict'],
      expect: [/strict decoding error: unknown field "spec\.bogusField"/],
    },
    {
      title: 'an unknown field in spec with kubectl create (strict is kubectl\'s default)',
      name: 'unknown-create', spec: () => ({ ...validSpec(), bogusField: 1 }), args: ['create'],
      expect: [/strict decoding error: unknown field "spec\.bogusField"/],
    },
    {
      title: 'a summary longer than 120 characters',
      name: 'long-summary', spec: () => ({ ...validSpec(), summary: 'x'.repeat(121) }), args: ['apply'],
      expect: [/spec\.summary: Too long: may not be more than 120/],
    },
    {
      title: 'a target name that is not a DNS subdomain',
      name: 'bad-target-name', spec: () => ({ ...validSpec(), target: { name: 'Not_A_Name' } }), args: ['apply'],
      expect: [/spec\.target\.name: Invalid value: "Not_A_Name"/],
    },
  ];

  for (const c of rejected) {
    it(`refuses ${c.title}`, async () => {
      const r = await kubectl([...c.args, '-n', ns, '-f', '-'], { input: incidentJson({ name: c.name, namespace: ns, spec: c.spec() }) });
      expect(r.code, `kubectl ${c.args.join(' ')} should fail; stdout: ${r.stdout}`).to.not.equal(0);
      for (const re of c.expect) expect(r.stderr).to.match(re);
      const get = await kubectl(['get', 'incident', c.name, '-n', ns]);
      expect(get.code, 'the refused Incident must not exist').to.not.equal(0);
      expect(get.stderr).to.match(/NotFound|not found/);
    });
  }

  it('with --validate=false accepts an unknown field but prunes it (it is never stored)', async () => {
    const r = await kubectl(['apply', '--validate=false', '-n', ns, '-f', '-'], { input: incidentJson({ name: 'pruned', namespace: ns, spec: { ...validSpec(), bogusField: 1 } }) });
    expect(r.code, r.stderr).to.equal(0);
    const stored = await getJson(['get', 'incident', 'pruned', '-n', ns]);
    expect(stored.spec).to.not.have.property('bogusField');
    expect(stored.spec.severity).to.equal('P1');
  });

  it('accepts the shipped sample (deploy/samples/incident.yaml) and applies the schema defaults', async () => {
    const sample = readFileSync(join(repoRoot, 'deploy/samples/incident.yaml'), 'utf8').replace(/namespace: patient-advocacy/, `namespace: ${ns}`);
    const r = await kubectl(['apply', '--validate=strict', '-f', '-'], { input: sample });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/incident\.runbook\.dev\/api-5xx-spike (created|configured)/);
    const stored = await getJson(['get', 'incident', 'api-5xx-spike', '-n', ns]);
    expect(stored.spec).to.deep.include({ severity: 'P1', runbook: 'APIOutage' });
    expect(stored.spec.target).to.deep.equal({ kind: 'Deployment', name: 'patient-advocacy-api' });
    expect(stored.spec.rollback).to.deep.equal({ policy: 'Automatic', allowUnverified: false });
  });

  it('accepts a minimal Incident and defaults runbook to APIOutage and target.kind to Deployment', async () => {
    const r = await kubectl(['create', '-n', ns, '-f', '-'], { input: incidentJson({ name: 'minimal', namespace: ns, spec: { severity: 'P3', summary: 's', target: { name: 'web' } } }) });
    expect(r.code, r.stderr).to.equal(0);
    const stored = await getJson(['get', 'incident', 'minimal', '-n', ns]);
    expect(stored.spec.runbook).to.equal('APIOutage');
    expect(stored.spec.target).to.deep.equal({ kind: 'Deployment', name: 'web' });
  });

  describe('spec.target is immutable once set', () => {
    before(async () => {
      const r = await kubectl(['create', '-n', ns, '-f', '-'], { input: incidentJson({ name: 'immutable', namespace: ns, spec: validSpec() }) });
      expect(r.code, r.stderr).to.equal(0);
    });

    const changes: { title: string; patch: Record<string, unknown> }[] = [
      { title: 'renaming the target', patch: { spec: { target: { name: 'another-deployment' } } } },
      { title: 'removing the target (switching to DatabasePerformance)', patch: { spec: { target: null, runbook: 'DatabasePerformance', database: { secretRef: { name: 'db' } } } } },
    ];
    for (const c of changes) {
      it(`refuses ${c.title}`, async () => {
        const r = await kubectl(['patch', 'incident', 'immutable', '-n', ns, '--type', 'merge', '-p', JSON.stringify(c.patch)]);
        expect(r.code).to.not.equal(0);
        expect(r.stderr).to.match(/spec\.target: Invalid value: .*spec\.target is immutable once set/);
        const stored = await getJson(['get', 'incident', 'immutable', '-n', ns]);
        expect(stored.spec.target.name).to.equal('patient-advocacy-api');
      });
    }

    it('still allows changing other spec fields (summary) and bumps metadata.generation', async () => {
      const before = await getJson(['get', 'incident', 'immutable', '-n', ns]);
      const r = await kubectl(['patch', 'incident', 'immutable', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { summary: 'narrowed down to the login endpoint' } })]);
      expect(r.code, r.stderr).to.equal(0);
      const after = await getJson(['get', 'incident', 'immutable', '-n', ns]);
      expect(after.spec.summary).to.equal('narrowed down to the login endpoint');
      expect(after.metadata.generation).to.equal(before.metadata.generation + 1);
    });
  });

  it('ignores status sent through the main resource (status is a subresource)', async () => {
    const body = JSON.parse(incidentJson({ name: 'with-status', namespace: ns, spec: validSpec() })) as Record<string, unknown>;
    body.status = { phase: 'Resolved' };
    const r = await kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(body) });
    expect(r.code, r.stderr).to.equal(0);
    const stored = await getJson(['get', 'incident', 'with-status', '-n', ns]);
    expect(stored.status?.phase).to.equal(undefined);
  });
});
