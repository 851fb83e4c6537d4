/**
 * JSON copying and semantic equality for pod templates, modelled on
 * apimachinery's `equality.Semantic.DeepEqual` as used by kubectl's
 * `equalIgnoreHash`:
 *  - object key order never matters; array order always does;
 *  - a missing field, `null`, an empty map `{}` and an empty list `[]` are
 *    equal (Go's semantic DeepEqual equates nil and empty maps/slices, and
 *    JSON omits them). Approximation: Go would tell a nil pointer-to-struct
 *    from a pointer to an empty struct (e.g. `securityContext: {}`); the API
 *    server defaults such fields identically on both sides, so we do not.
 *    Emptiness is recursive: `{ metadata: { labels: {} } }` equals `{}`;
 *  - resource quantities (values under `limits`, `requests`, `overhead`, and
 *    `sizeLimit` / `divisor`) compare by value, so `1` equals `1000m`;
 *  - a Date equals a timestamp string for the same instant.
 */
import { POD_TEMPLATE_HASH_LABEL, type KubePodTemplateSpec } from './kube-types.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const QUANTITY_MAP_KEYS = new Set(['limits', 'requests', 'overhead']);
const QUANTITY_KEYS = new Set(['sizeLimit', 'divisor']);

/** Kubernetes' RFC 3339 form (second precision unless the instant has milliseconds). */
export function formatKubeTime(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Deep copy into plain JSON: drops undefined members and functions, turns
 * Dates into RFC 3339 strings, never shares structure with the input (so the
 * input may be frozen and the output freely mutated).
 */
export function toJsonValue(value: unknown): JsonValue | undefined {
  if (value === null) return null;
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? formatKubeTime(value) : null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object': {
      if (Array.isArray(value)) return value.map((item) => toJsonValue(item) ?? null);
      const out: JsonObject = {};
      for (const [key, member] of Object.entries(value ?? {})) {
        const copied = toJsonValue(member);
        if (copied !== undefined) out[key] = copied;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** A JSON copy of the pod template with the `pod-template-hash` label removed. */
export function templateWithoutHash(template: KubePodTemplateSpec | undefined): JsonObject {
  const copy = toJsonValue(template ?? {});
  const obj: JsonObject = isJsonObject(copy) ? copy : {};
  const metadata = obj['metadata'];
  if (isJsonObject(metadata)) {
    const labels = metadata['labels'];
    if (isJsonObject(labels)) {
      delete labels[POD_TEMPLATE_HASH_LABEL];
      if (Object.keys(labels).length === 0) delete metadata['labels'];
    }
  }
  return obj;
}

/** kubectl's equalIgnoreHash: semantic equality of two pod templates ignoring `pod-template-hash`. */
export function podTemplatesEqualIgnoringHash(
  a: KubePodTemplateSpec | undefined,
  b: KubePodTemplateSpec | undefined,
): boolean {
  return semanticEqual(templateWithoutHash(a), templateWithoutHash(b));
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return equalAt(a, b, 'none');
}

type QuantityContext = 'none' | 'map' | 'value';

function equalAt(a: unknown, b: unknown, ctx: QuantityContext): boolean {
  const aEmpty = isEmptyish(a);
  const bEmpty = isEmptyish(b);
  if (aEmpty || bEmpty) return aEmpty && bEmpty;
  if (a instanceof Date || b instanceof Date) return timeEqual(a, b);
  if (ctx === 'value' && isQuantityLike(a) && isQuantityLike(b)) return quantitiesEqual(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equalAt(item, b[i], 'none'));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const childCtx: QuantityContext =
        ctx === 'map' || QUANTITY_KEYS.has(key) ? 'value' : QUANTITY_MAP_KEYS.has(key) ? 'map' : 'none';
      if (!equalAt(a[key], b[key], childCtx)) return false;
    }
    return true;
  }
  return a === b;
}

function isEmptyish(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isEmptyish);
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function timeEqual(a: unknown, b: unknown): boolean {
  const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN);
  const x = ms(a);
  const y = ms(b);
  return Number.isFinite(x) && x === y;
}

function isQuantityLike(v: unknown): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

// ---- resource.Quantity comparison (exact, via rationals) ----

export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

const QUANTITY_PATTERN = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE])?$/;
const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export function parseQuantity(input: string | number): Rational | undefined {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const m = QUANTITY_PATTERN.exec(text);
  if (m === null) return undefined;
  const [, sign = '', digits = '', suffix = ''] = m;
  const [intPart = '', fracPart = ''] = digits.split('.');
  let num = BigInt((intPart + fracPart) || '0');
  let den = 10n ** BigInt(fracPart.length);
  if (sign === '-') num = -num;
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in BINARY_EXP) exp2 = BINARY_EXP[suffix] ?? 0;
  else if (suffix in DECIMAL_EXP) exp10 = DECIMAL_EXP[suffix] ?? 0;
  else if (suffix !== '') exp10 = Number(suffix.slice(1));
  if (!Number.isSafeInteger(exp10) || Math.abs(exp10) > 1000) return undefined;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den *= 10n ** BigInt(-exp10);
  num *= 2n ** BigInt(exp2);
  return { num, den };
}

function quantitiesEqual(a: string | number, b: string | number): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return a === b;
  return x.num * y.den === y.num * x.den;
}
