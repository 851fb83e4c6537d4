/** Cache objects: managedFields stripped, deep-frozen so no controller can mutate what others read. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function deepFreeze<T>(value: T): T {
  if (!isRecord(value) || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const k of Object.keys(value)) deepFreeze(value[k]);
  return value;
}

/** Returns a deep-frozen copy-on-top of `obj` without `metadata.managedFields`. */
export function sanitizeObject<T>(obj: T): T {
  if (!isRecord(obj)) return obj;
  const meta = obj.metadata;
  if (isRecord(meta) && 'managedFields' in meta) {
    const { managedFields: _dropped, ...rest } = meta;
    const stripped = { ...obj, metadata: rest };
    return deepFreeze(stripped);
  }
  return deepFreeze(obj);
}
