import { expect } from 'chai';
import { loadAllYaml } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Every field of every CRD in crds/ carries a description, so `kubectl explain incident.spec` (and
// every deeper path) explains it in the runbook's words instead of printing <no description>.

const CRD_DIR = 'crds';

interface Schema {
  description?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asSchema(v: unknown): Schema {
  return isObject(v) ? v : {};
}

/**
 * Paths (like `spec.target.name`, `status.conditions[].type`) of every property without a description.
 * Array items (`[]`) and map values (`{}`) are described by their field; only their properties are checked.
 */
export function undocumented(schema: Schema, path = '', isField = true): string[] {
  const missing: string[] = [];
  // The API server refuses anything but `type` on the root `metadata` (it documents ObjectMeta itself).
  if (path === 'metadata') return missing;
  if (isField && !(typeof schema.description === 'string' && schema.description.trim() !== '')) missing.push(path);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    missing.push(...undocumented(asSchema(child), path === '' ? name : `${path}.${name}`));
  }
  if (schema.items !== undefined) missing.push(...undocumented(asSchema(schema.items), `${path}[]`, false));
  if (isObject(schema.additionalProperties)) missing.push(...undocumented(schema.additionalProperties, `${path}{}`, false));
  return missing;
}

interface VersionSchema {
  crd: string;
  version: string;
  schema: Schema;
}

function crdSchemas(): VersionSchema[] {
  const out: VersionSchema[] = [];
  for (const file of readdirSync(CRD_DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of loadAllYaml(readFileSync(join(CRD_DIR, file), 'utf8'))) {
      if (!isObject(doc) || doc.kind !== 'CustomResourceDefinition') continue;
      const name = isObject(doc.metadata) ? String(doc.metadata.name) : '?';
      const versions: unknown = isObject(doc.spec) ? doc.spec.versions : undefined;
      for (const v of Array.isArray(versions) ? versions : []) {
        if (!isObject(v)) continue;
        const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
        out.push({ crd: `${file} (${name})`, version: String(v.name), schema: asSchema(schema) });
      }
    }
  }
  return out;
}

describe('api/crd-descriptions', () => {
  const schemas = crdSchemas();

  it('finds the Incident and EscalationPolicy CRDs', () => {
    expect(schemas.map((s) => s.crd)).to.include.members([
      'incident.yaml (incidents.runbook.dev)',
      'escalationpolicy.yaml (escalationpolicies.runbook.dev)',
    ]);
  });

  for (const s of schemas) {
    it(`every field of ${s.crd} ${s.version} has a description`, () => {
      const missing = undocumented(s.schema).map((p) => (p === '' ? '(the top-level schema)' : p));
      expect(missing.length, `fields without a description in crds/${s.crd}:\n  ${missing.join('\n  ')}\n`).to.equal(0);
    });
  }

  describe('the walker itself', () => {
    it('reports nested properties, array items and map values without a description', () => {
      const schema: Schema = {
        description: 'root',
        properties: {
          a: { description: 'a', properties: { b: {} } },
          list: { description: 'list', items: { properties: { c: {}, d: { description: 'd' } } } },
          map: { description: 'map', additionalProperties: { properties: { e: {} } } },
          blank: { description: '  ' },
        },
      };
      expect(undocumented(schema)).to.deep.equal(['a.b', 'list[].c', 'map{}.e', 'blank']);
    });
    it('accepts a fully described schema', () => {
      expect(undocumented({ description: 'r', properties: { x: { description: 'x', items: { properties: { y: { description: 'y' } } } } } })).to.deep.equal([]);
    });
    it('reports a top-level schema without a description as the empty path', () => {
      expect(undocumented({ properties: { x: { description: 'x' } } })).to.deep.equal(['']);
    });
  });
});
