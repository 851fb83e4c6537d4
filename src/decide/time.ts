/** The one date parser for status and object timestamps (RFC 3339 strings, or Dates from client-node). */

/** A valid Date, or undefined for absent or unparseable input. Never throws. */
export function parseTime(v: string | Date | undefined | null): Date | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const d = v instanceof Date ? new Date(v.getTime()) : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
