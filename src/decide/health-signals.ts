/**
 * Health-signal verdicts (pure): a value against its threshold, Unknown when there is no value (a failed
 * query, no data, a probe without an answer) — Unknown is never healthy and never a reason to roll back —,
 * breach streaks over consecutive evaluations, whether a breach started before a rollout, and the
 * Deployment annotation carrying default signals.
 */
import { Annotation } from '../api/reasons.js';
import type { SignalComparison, SignalSpec, SignalVerdict, SignalVerdictKind } from '../api/signals.js';

export type { SignalSpec, SignalVerdict, SignalVerdictKind } from '../api/signals.js';

/** Annotation on a Deployment: a JSON array of SignalSpec, inherited by every Incident about it. */
export const SIGNALS_ANNOTATION = Annotation.signals;
export const MAX_SIGNALS = 10;
export const DEFAULT_PROBE_TIMEOUT_SECONDS = 2;
export const DEFAULT_EXPECTED_STATUS = 200;

/** What an adapter observed for one signal. */
export type Observation =
  | { ok: true; value: number }
  | { ok: false; reason: 'QueryFailed' | 'NoData' | 'NotANumber' | 'Timeout' | 'Unreachable' | 'NotConfigured'; detail?: string };

export function breaches(value: number, comparison: SignalComparison, threshold: number): boolean {
  switch (comparison) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
  }
}

/** The verdict of one signal from one observation; `previous` carries the breach streak on. */
export function verdictOf(spec: SignalSpec, obs: Observation, previous?: SignalVerdict): SignalVerdict {
  const probe = spec.httpProbe !== undefined;
  const threshold = probe ? spec.httpProbe!.expectedStatus ?? DEFAULT_EXPECTED_STATUS : spec.breachWhen?.threshold ?? 0;
  const comparison: SignalVerdict['comparison'] = probe ? '!=' : spec.breachWhen?.comparison ?? '>';
  const base = { name: spec.name, source: probe ? 'HTTPProbe' as const : 'Prometheus' as const, threshold, comparison };
  if (!obs.ok) {
    // Unknown neither extends nor resets a streak: it is no evidence either way.
    const reason = obs.detail ? `${obs.reason}: ${obs.detail}`.slice(0, 160) : obs.reason;
    return { ...base, verdict: 'Unknown', reason, consecutiveBreaches: previous?.consecutiveBreaches ?? 0 };
  }
  const bad = probe ? obs.value !== threshold : breaches(obs.value, comparison as SignalComparison, threshold);
  return {
    ...base,
    verdict: bad ? 'Breaching' : 'Healthy',
    value: roundValue(obs.value),
    consecutiveBreaches: bad ? (previous?.consecutiveBreaches ?? 0) + 1 : 0,
  };
}

/** Six significant digits: enough for ratios and seconds, stable in status. */
export function roundValue(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

export interface SignalsVerdict {
  /** At least one signal is configured. */
  configured: boolean;
  /** Every signal Healthy (false when none is configured). */
  allHealthy: boolean;
  breaching: string[];
  unknown: string[];
}

export function combineVerdicts(verdicts: readonly SignalVerdict[]): SignalsVerdict {
  const breaching = verdicts.filter((v) => v.verdict === 'Breaching').map((v) => v.name);
  const unknown = verdicts.filter((v) => v.verdict === 'Unknown').map((v) => v.name);
  return { configured: verdicts.length > 0, allHealthy: verdicts.length > 0 && breaching.length === 0 && unknown.length === 0, breaching, unknown };
}

/** Signals breaching for at least `n` consecutive evaluations. */
export function sustainedBreaches(verdicts: readonly SignalVerdict[], n: number): SignalVerdict[] {
  return verdicts.filter((v) => v.verdict === 'Breaching' && (v.consecutiveBreaches ?? 0) >= n);
}

/** One line: `error-ratio 0.41 > 0.05 Breaching; health Unknown (Unreachable)`. */
export function summariseVerdicts(verdicts: readonly SignalVerdict[]): string {
  if (verdicts.length === 0) return 'no signals configured';
  return verdicts.map((v) => v.verdict === 'Unknown'
    ? `${v.name} Unknown (${v.reason ?? 'no value'})`
    : `${v.name} ${v.value} ${v.verdict === 'Breaching' ? v.comparison : negate(v.comparison)} ${v.threshold} ${v.verdict}`).join('; ').slice(0, 512);
}

function negate(c: SignalVerdict['comparison']): string {
  switch (c) {
    case '>': return '<=';
    case '>=': return '<';
    case '<': return '>=';
    case '<=': return '>';
    case '!=': return '==';
  }
}

/**
 * Since when every signal has been healthy: kept while all stay Healthy, started now when they become
 * Healthy, cleared by any Breaching or Unknown verdict (and when there is no signal).
 */
export function healthySince(verdicts: readonly SignalVerdict[], previous: Date | undefined, now: Date): Date | undefined {
  if (!combineVerdicts(verdicts).allHealthy) return undefined;
  return previous ?? now;
}

/**
 * Did the breach start before the rollout? `atRollout` is the signal's verdict evaluated at (just before)
 * the rollout time — a Prometheus query with `time=`, or the watcher's own record of when the streak
 * started for probes. Breaching then means the release is not to blame: escalate, never roll back.
 * Unknown then means we cannot tell: also no rollback (Unknown never triggers one).
 */
export type BreachOrigin = 'AfterRollout' | 'BeforeRollout' | 'Undetermined';

export function breachOrigin(atRollout: SignalVerdictKind | undefined, streakStartedAt: Date | undefined, rolledOutAt: Date): BreachOrigin {
  if (atRollout === 'Breaching') return 'BeforeRollout';
  if (streakStartedAt && streakStartedAt.getTime() < rolledOutAt.getTime()) return 'BeforeRollout';
  if (atRollout === 'Healthy') return 'AfterRollout';
  if (atRollout === undefined && streakStartedAt) return 'AfterRollout';
  return 'Undetermined';
}

// ---- parsing (spec.signals is validated by the CRD schema; the annotation is validated here) ----

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const COMPARISONS: readonly string[] = ['>', '>=', '<', '<='];

export type ParsedSignals = { ok: true; signals: SignalSpec[] } | { ok: false; error: string };

/** Parses and validates a signal list (the annotation's JSON, or spec.signals); errors name the path, never values. */
export function parseSignals(raw: unknown): ParsedSignals {
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try { list = JSON.parse(raw); } catch { return { ok: false, error: 'not valid JSON' }; }
  }
  if (!Array.isArray(list)) return { ok: false, error: 'expected a JSON array of signals' };
  if (list.length > MAX_SIGNALS) return { ok: false, error: `at most ${MAX_SIGNALS} signals` };
  const out: SignalSpec[] = [];
  const names = new Set<string>();
  for (const [i, item] of list.entries()) {
    const at = `[${i}]`;
    if (typeof item !== 'object' || item === null) return { ok: false, error: `${at}: expected an object` };
    const s = item as Record<string, unknown>;
    const unknownKey = Object.keys(s).find((k) => !['name', 'prometheus', 'httpProbe', 'breachWhen'].includes(k));
    if (unknownKey) return { ok: false, error: `${at}: unknown field ${JSON.stringify(unknownKey.slice(0, 40))}` };
    if (typeof s.name !== 'string' || !NAME.test(s.name)) return { ok: false, error: `${at}.name: expected a DNS-1123 label` };
    if (names.has(s.name)) return { ok: false, error: `${at}.name: duplicate` };
    names.add(s.name);
    if ((s.prometheus === undefined) === (s.httpProbe === undefined)) return { ok: false, error: `${at}: exactly one of prometheus, httpProbe` };
    if (s.prometheus !== undefined) {
      const p = s.prometheus as Record<string, unknown>;
      if (typeof p !== 'object' || p === null || typeof p.query !== 'string' || p.query.length === 0 || p.query.length > 2048) return { ok: false, error: `${at}.prometheus.query: expected a string of 1..2048 characters` };
      const b = s.breachWhen as Record<string, unknown> | undefined;
      if (typeof b !== 'object' || b === null) return { ok: false, error: `${at}.breachWhen: required for a prometheus signal` };
      if (typeof b.comparison !== 'string' || !COMPARISONS.includes(b.comparison)) return { ok: false, error: `${at}.breachWhen.comparison: one of > >= < <=` };
      if (typeof b.threshold !== 'number' || !Number.isFinite(b.threshold)) return { ok: false, error: `${at}.breachWhen.threshold: expected a number` };
      out.push({ name: s.name, prometheus: { query: p.query }, breachWhen: { comparison: b.comparison as SignalComparison, threshold: b.threshold } });
    } else {
      const h = s.httpProbe as Record<string, unknown>;
      if (typeof h !== 'object' || h === null || typeof h.url !== 'string' || !/^https?:\/\/[^\s]{1,2040}$/.test(h.url)) return { ok: false, error: `${at}.httpProbe.url: expected an http(s) URL` };
      if (h.expectedStatus !== undefined && (!Number.isInteger(h.expectedStatus) || (h.expectedStatus as number) < 100 || (h.expectedStatus as number) > 599)) return { ok: false, error: `${at}.httpProbe.expectedStatus: 100..599` };
      if (h.timeoutSeconds !== undefined && (typeof h.timeoutSeconds !== 'number' || h.timeoutSeconds <= 0 || h.timeoutSeconds > 30)) return { ok: false, error: `${at}.httpProbe.timeoutSeconds: (0, 30]` };
      if (s.breachWhen !== undefined) return { ok: false, error: `${at}.breachWhen: not used by an httpProbe (expectedStatus is the condition)` };
      out.push({ name: s.name, httpProbe: { url: h.url, ...(h.expectedStatus !== undefined ? { expectedStatus: h.expectedStatus as number } : {}), ...(h.timeoutSeconds !== undefined ? { timeoutSeconds: h.timeoutSeconds as number } : {}) } });
    }
  }
  return { ok: true, signals: out };
}

export type EffectiveSignals = { source: 'Incident' | 'Deployment' | 'None'; signals: SignalSpec[]; error?: string };

/** spec.signals when set (even empty: "no signals"), else the target Deployment's annotation. */
export function effectiveSignals(specSignals: readonly SignalSpec[] | undefined, deploymentAnnotations: Record<string, string> | undefined): EffectiveSignals {
  if (specSignals !== undefined) return { source: 'Incident', signals: [...specSignals] };
  const raw = deploymentAnnotations?.[SIGNALS_ANNOTATION];
  if (raw === undefined) return { source: 'None', signals: [] };
  const parsed = parseSignals(raw);
  return parsed.ok ? { source: 'Deployment', signals: parsed.signals } : { source: 'None', signals: [], error: `${SIGNALS_ANNOTATION}: ${parsed.error}` };
}
