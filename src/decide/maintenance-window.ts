/**
 * Maintenance windows and change freezes (issue 15): while one is active the operator diagnoses and records,
 * but does not act (no rollback, no termination) and does not page — or pages P0 only, when the window says
 * so. Declared on the EscalationPolicy (`spec.maintenanceWindows`) or on the Namespace (annotation
 * `runbook.dev/maintenance-windows`, the same JSON array). Each window is either
 *  - an explicit range `{ start, end }` (RFC 3339), or
 *  - a weekly one `{ timeZone, days, from, to }` (IANA zone via Intl, local wall clock, [from, to), same
 *    semantics as business hours: src/decide/business-hours.ts).
 * Pure: `now` is passed in.
 */
import { HH_MM_PATTERN, isWithinBusinessHours, WEEKDAYS, type Weekday } from './business-hours.js';
import { redactOperatorText } from '../redact/phi.js';

export interface MaintenanceWindow {
  /** For people and status, e.g. "release freeze". */
  name?: string;
  /** Explicit range start (RFC 3339). */
  start?: string;
  /** Explicit range end (RFC 3339, exclusive). */
  end?: string;
  /** Weekly: IANA time zone, e.g. Europe/Berlin. */
  timeZone?: string;
  /** Weekly: local weekdays. */
  days?: Weekday[];
  /** Weekly: HH:MM local, inclusive. */
  from?: string;
  /** Weekly: HH:MM local, exclusive (after `from`). */
  to?: string;
  /** Page P0 incidents during the window (default false: nobody is paged). */
  pageP0?: boolean;
}

export interface WindowDecision {
  /** The active window, when one is. */
  active?: MaintenanceWindow;
  /** Why each malformed window was ignored. */
  errors: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validZone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; }
}

/** Default-deny: the name as written when the redactor keeps it (`release freeze`), else its redacted form. */
function shownName(raw: string): string {
  return redactOperatorText(raw.replace(/[\u0000-\u001f\u007f]+/gu, ' ').trim(), { maxLength: 63 });
}

/** Parses a JSON-ish list of windows (policy spec or annotation); malformed entries are reported, not used. */
export function parseMaintenanceWindows(value: unknown): { windows: MaintenanceWindow[]; errors: string[] } {
  let list: unknown = value;
  if (typeof value === 'string') {
    try { list = JSON.parse(value); } catch { return { windows: [], errors: ['not valid JSON'] }; }
  }
  if (list === undefined || list === null) return { windows: [], errors: [] };
  if (!Array.isArray(list)) return { windows: [], errors: ['expected a list of windows'] };
  const windows: MaintenanceWindow[] = [];
  const errors: string[] = [];
  list.forEach((w, i) => {
    if (!isRecord(w)) { errors.push(`window ${i}: not an object`); return; }
    // The name is free text (a Namespace annotation: anyone who may annotate it) and reaches status and Events.
    const name = typeof w.name === 'string' ? shownName(w.name) : undefined;
    const pageP0 = w.pageP0 === true;
    if (typeof w.start === 'string' || typeof w.end === 'string') {
      const s = typeof w.start === 'string' ? Date.parse(w.start) : NaN;
      const e = typeof w.end === 'string' ? Date.parse(w.end) : NaN;
      if (!Number.isFinite(s) || !Number.isFinite(e) || e <= s) { errors.push(`window ${i}: start and end must be RFC 3339 times, end after start`); return; }
      windows.push({ ...(name ? { name } : {}), start: new Date(s).toISOString(), end: new Date(e).toISOString(), pageP0 });
      return;
    }
    const rawDays: unknown = w.days;
    const days: Weekday[] = Array.isArray(rawDays) ? WEEKDAYS.filter((d) => rawDays.includes(d)) : [];
    const tz = typeof w.timeZone === 'string' ? w.timeZone : '';
    const from = typeof w.from === 'string' ? w.from : '';
    const to = typeof w.to === 'string' ? w.to : '';
    if (!validZone(tz) || days.length === 0 || !HH_MM_PATTERN.test(from) || !HH_MM_PATTERN.test(to) || to <= from) {
      errors.push(`window ${i}: a weekly window needs timeZone (IANA), days (Mon..Sun), from < to (HH:MM)`);
      return;
    }
    windows.push({ ...(name ? { name } : {}), timeZone: tz, days, from, to, pageP0 });
  });
  return { windows, errors };
}

export function isWindowActive(w: MaintenanceWindow, now: Date): boolean {
  if (w.start && w.end) return now.getTime() >= Date.parse(w.start) && now.getTime() < Date.parse(w.end);
  if (w.timeZone && w.days && w.from && w.to) return isWithinBusinessHours({ timeZone: w.timeZone, days: w.days, start: w.from, end: w.to }, now);
  return false;
}

/** The first active window of the policy's and the namespace's. */
export function activeMaintenanceWindow(sources: readonly unknown[], now: Date): WindowDecision {
  const errors: string[] = [];
  for (const src of sources) {
    const { windows, errors: e } = parseMaintenanceWindows(src);
    errors.push(...e);
    const active = windows.find((w) => isWindowActive(w, now));
    if (active) return { active, errors };
  }
  return { errors };
}

export function describeWindow(w: MaintenanceWindow): string {
  const label = w.name ? `"${w.name}" ` : '';
  return w.start ? `maintenance window ${label}${w.start} – ${w.end}` : `maintenance window ${label}${(w.days ?? []).join(',')} ${w.from}–${w.to} ${w.timeZone}`;
}

/** During the window: may the operator act (never), may it page (P0 only when the window says so)? */
export function suppression(w: MaintenanceWindow | undefined, severity: string): { act: boolean; page: boolean } {
  if (!w) return { act: true, page: true };
  return { act: false, page: w.pageP0 === true && severity === 'P0' };
}
