/**
 * Pure helpers for the Incident status: conditions as Kubernetes API conventions define them (the
 * transition time moves only when status flips), and a bounded timeline (newest kept, total counted).
 */
import type { Condition, IncidentStatus, TimelineEntry } from '../api/incident.js';

export const MAX_TIMELINE_ENTRIES = 50;

export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>,
  now: Date,
  generation: number | undefined,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const cond: Condition = {
    ...next,
    message: next.message.slice(0, 1024),
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = cond; else list.push(cond);
  return list;
}

export function getCondition(status: IncidentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function isConditionTrue(status: IncidentStatus | undefined, type: string): boolean {
  return getCondition(status, type)?.status === 'True';
}

/** Appends an entry, keeping the newest MAX entries and counting all of them. */
export function appendTimeline(status: IncidentStatus, entry: TimelineEntry, max = MAX_TIMELINE_ENTRIES): IncidentStatus {
  const bounded: TimelineEntry = { ...entry, message: entry.message.slice(0, 1024) };
  const timeline = [...(status.timeline ?? []), bounded].slice(-max);
  return { ...status, timeline, timelineTotal: (status.timelineTotal ?? status.timeline?.length ?? 0) + 1 };
}

/** Deep equality for JSON status values (key order independent), used to skip no-op writes. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b || (a === undefined && b === undefined);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isPlainRecord(a) || !isPlainRecord(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual(a[k], b[k]));
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
