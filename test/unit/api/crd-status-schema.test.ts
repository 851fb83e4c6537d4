/**
 * The Incident CRD's status schema and the typed API agree: the schema in crds/incident.yaml is exactly
 * what scripts/crd-status-schema.ts generates from `IncidentStatus` (src/api/). After changing a status
 * type, run `npx tsx scripts/crd-status-schema.ts --write`.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { CRD_PATH, generateStatusSchema, withGeneratedStatus } from '../../../scripts/crd-status-schema.js';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema; 'x-kubernetes-preserve-unknown-fields'?: boolean };

function statusOf(text: string): Schema {
  const crd = yaml.load(text) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { status: Schema } } } }[] } };
  return crd.spec.versions[0]!.schema.openAPIV3Schema.properties.status;
}

function walk(s: Schema, path: string, visit: (s: Schema, path: string) => void): void {
  visit(s, path);
  for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (s.items) walk(s.items, `${path}[]`, visit);
  if (s.additionalProperties) walk(s.additionalProperties, `${path}.*`, visit);
}

describe('api/crd-status-schema', function () {
  this.timeout(120_000);
  let generated: ReturnType<typeof generateStatusSchema>;
  before(() => { generated = generateStatusSchema(); });

  it('crds/incident.yaml carries exactly the status schema generated from IncidentStatus', () => {
    const crd = readFileSync(CRD_PATH, 'utf8');
    expect(statusOf(crd)).to.deep.equal(statusOf(withGeneratedStatus(crd, generated)),
      'status schema out of date: run npx tsx scripts/crd-status-schema.ts --write');
  });

  it('is fully structural: no status field keeps unknown fields, every object lists its properties', () => {
    const loose: string[] = [];
    walk(statusOf(readFileSync(CRD_PATH, 'utf8')), 'status', (s, path) => {
      if (s['x-kubernetes-preserve-unknown-fields']) loose.push(path);
      if (s.type === 'object' && !s.properties && !s.additionalProperties) loose.push(path);
      if (!s.type) loose.push(`${path} (no type)`);
    });
    expect(loose).to.deep.equal([]);
  });

  it('the comparison can fail: a status type change shows up as a difference', () => {
    const crd = readFileSync(CRD_PATH, 'utf8');
    const changed = structuredClone(generated) as Schema;
    delete changed.properties!.phaseReason;
    expect(statusOf(withGeneratedStatus(crd, changed))).to.not.deep.equal(statusOf(crd));
  });
});
