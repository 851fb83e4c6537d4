/**
 * The Incident CRD's status schema, generated from the typed API (`IncidentStatus` in src/api/): JSDoc
 * comments become descriptions, unions of literals become enums, `T | null` becomes nullable. A few
 * API-server constraints that TypeScript cannot express are added from CONSTRAINTS below.
 *
 *   npx tsx scripts/crd-status-schema.ts --write   # rewrites the status block of crds/incident.yaml
 *   test/unit/api/crd-status-schema.test.ts         # fails when the CRD and the types disagree
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import yaml from 'js-yaml';

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const schemaOf = (v: unknown): Schema => (isSchema(v) ? v : {});
const schemasOf = (v: unknown): Schema[] | undefined => (Array.isArray(v) ? v.map(schemaOf) : undefined);
const stringOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const root = resolve(import.meta.dirname, '..');
export const CRD_PATH = resolve(root, 'crds/incident.yaml');
export const BEGIN = '# BEGIN status schema: generated from src/api by scripts/crd-status-schema.ts --write; do not edit';
export const END = '# END status schema';

/** Path (dot-separated property names, `[]` for array items) → keywords the types cannot carry. */
const CONSTRAINTS: Record<string, Schema> = {
  conditions: { maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'conditions[].type': { maxLength: 316 },
  'conditions[].reason': { maxLength: 1024 },
  'conditions[].message': { maxLength: 32768 },
  'conditions[].observedGeneration': { format: 'int64', minimum: 0 },
  phaseReason: { maxLength: 64 },
  observedGeneration: { format: 'int64' },
  timelineTotal: { format: 'int64' },
  timeline: { maxItems: 50 },
  'timeline[].type': { maxLength: 64 },
  'timeline[].reason': { maxLength: 64 },
  'timeline[].message': { maxLength: 1024 },
  'notifications.outbox': { maxItems: 200 },
};

/** Status fields holding integers (JSON Schema from TypeScript only knows `number`). */
const INTEGER = /(^|\.)(observedGeneration|timelineTotal|tier|attempts|generation|desired|ready|available|total|crashLoopingPods|omittedPods|revision|pods|crashLooping|restarts|restartCount|exitCode|lastExitCode|currentRevision|toRevision|fromRevision|fromGeneration|pid|count|errorLines|linesScanned|used|maxConnections|superuserReservedConnections|seqScan|seqTupRead|idxScan|liveTuples|waiters)$/;
const DATE_TIME = /(^|\.)(time|lastTransitionTime|openedAt|acknowledgeBy|respondBy|acknowledgedAt|resolvedAt|completedAt|intendedAt|monitoringStartedAt|healthySince|nextEvaluationAt|nextAttemptAt|deliveredAt|createdAt|at)$/;

export function generateStatusSchema(): Schema {
  const gen = createGenerator({
    path: resolve(root, 'src/api/incident.ts'), tsconfig: resolve(root, 'tsconfig.json'), type: 'IncidentStatus',
    expose: 'none', topRef: false, jsDoc: 'extended', skipTypeCheck: true, additionalProperties: true,
  });
  const raw: Schema = schemaOf(gen.createSchema('IncidentStatus'));
  const defs: Record<string, Schema> = Object.fromEntries(Object.entries(schemaOf(raw.definitions)).map(([k, v]) => [k, schemaOf(v)]));
  return structural(raw, defs, '');
}

function deref(s: Schema, defs: Record<string, Schema>): Schema {
  let cur = s;
  while (typeof cur.$ref === 'string') cur = defs[decodeURIComponent(cur.$ref.replace('#/definitions/', ''))] ?? {};
  return cur;
}

/** JSON Schema (draft 7) → a structural OpenAPI v3 schema as apiextensions.k8s.io/v1 accepts it. */
function structural(input: Schema, defs: Record<string, Schema>, path: string): Schema {
  const s = deref(input, defs);
  const description = stringOf(input.description) ?? stringOf(s.description);
  let out: Schema;
  const variants = schemasOf(s.anyOf) ?? (Array.isArray(s.type) ? s.type.map((t: unknown) => ({ type: t })) : undefined);
  if (variants) {
    const nonNull = variants.filter((v) => v.type !== 'null');
    const merged = nonNull.length === 1 ? nonNull[0]! : mergeLiterals(nonNull.map((v) => deref(v, defs)));
    out = { ...structural(merged, defs, path), nullable: variants.length !== nonNull.length ? true : undefined };
  } else if (s.const !== undefined) {
    out = { type: typeof s.const, enum: [s.const] };
  } else if (s.type === 'object') {
    out = { type: 'object' };
    const props = isSchema(s.properties) ? s.properties : undefined;
    if (props) {
      out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, structural(schemaOf(v), defs, path ? `${path}.${k}` : k)]));
      if (Array.isArray(s.required) && s.required.length) out.required = s.required.filter((r): r is string => typeof r === 'string');
    } else if (isSchema(s.additionalProperties)) {
      out.additionalProperties = structural(s.additionalProperties, defs, `${path}.*`);
    }
  } else if (s.type === 'array') {
    out = { type: 'array', items: structural(schemaOf(s.items), defs, `${path}[]`) };
  } else if (s.type === 'number' || s.type === 'integer') {
    out = { type: INTEGER.test(path) ? 'integer' : 'number' };
  } else if (s.type === 'string') {
    out = { type: 'string', ...(s.enum ? { enum: s.enum } : {}), ...(DATE_TIME.test(path) ? { format: 'date-time' } : {}) };
  } else if (s.type === 'boolean') {
    out = { type: 'boolean' };
  } else {
    throw new Error(`status schema at ${path || '(root)'}: cannot express ${JSON.stringify(s).slice(0, 120)} structurally`);
  }
  const extra = CONSTRAINTS[path] ?? {};
  const result: Schema = { ...(description ? { description: description.replace(/\s+/g, ' ').trim() } : {}), ...out, ...extra };
  for (const k of Object.keys(result)) if (result[k] === undefined) delete result[k];
  return result;
}

/** A union of string literals (enum). */
function mergeLiterals(vs: Schema[]): Schema {
  const values: unknown[] = vs.flatMap((v): unknown[] => (v.const !== undefined ? [v.const] : Array.isArray(v.enum) ? v.enum : [undefined]));
  if (values.every((x) => typeof x === 'string')) return { type: 'string', enum: [...new Set(values)] };
  throw new Error(`union that is not a set of string literals: ${JSON.stringify(vs).slice(0, 160)}`);
}

/** The YAML block for the CRD, indented for `versions[0].schema.openAPIV3Schema.properties.status`. */
export function statusBlock(schema: Schema, indent: string): string {
  const body = yaml.dump({ status: schema }, { lineWidth: 160, noRefs: true, sortKeys: false, flowLevel: -1 });
  return [BEGIN, ...body.trimEnd().split('\n'), END].map((l) => indent + l).join('\n');
}

/** The CRD text with its status block replaced. */
export function withGeneratedStatus(crd: string, schema: Schema): string {
  const lines = crd.split('\n');
  const begin = lines.findIndex((l) => l.trim() === BEGIN);
  const end = lines.findIndex((l) => l.trim() === END);
  if (begin < 0 || end < begin) throw new Error(`${CRD_PATH}: markers "${BEGIN}" / "${END}" not found`);
  const indent = /^\s*/.exec(lines[begin]!)![0];
  return [...lines.slice(0, begin), statusBlock(schema, indent), ...lines.slice(end + 1)].join('\n');
}

if (process.argv.includes('--write')) {
  const crd = readFileSync(CRD_PATH, 'utf8');
  const next = withGeneratedStatus(crd, generateStatusSchema());
  if (next !== crd) { writeFileSync(CRD_PATH, next); console.log(`${CRD_PATH}: status schema regenerated`); } else console.log(`${CRD_PATH}: up to date`);
}
