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
  const bad = probe ? obs.value !== threshold : breaches(obs.value, spec.breachWhen?.comparison ?? '>', threshold);
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
const COMPARISONS: readonly unknown[] = ['>', '>=', '<', '<='];

export type ParsedSignals = { ok: true; signals: SignalSpec[] } | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isComparison = (v: unknown): v is SignalComparison => typeof v === 'string' && COMPARISONS.includes(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try { return { ok: true, value: JSON.parse(raw) }; } catch { return { ok: false }; }
}

/** One list entry, or why not (the path names the field, never its value). */
function parseSignal(item: unknown, at: string, names: Set<string>): SignalSpec | string {
  if (!isRecord(item)) return `${at}: expected an object`;
  const unknownKey = Object.keys(item).find((k) => !['name', 'prometheus', 'httpProbe', 'breachWhen'].includes(k));
  if (unknownKey) return `${at}: unknown field ${JSON.stringify(unknownKey.slice(0, 40))}`;
  const { name, prometheus, httpProbe, breachWhen } = item;
  if (typeof name !== 'string' || !NAME.test(name)) return `${at}.name: expected a DNS-1123 label`;
  if (names.has(name)) return `${at}.name: duplicate`;
  names.add(name);
  if ((prometheus === undefined) === (httpProbe === undefined)) return `${at}: exactly one of prometheus, httpProbe`;
  if (prometheus !== undefined) {
    if (!isRecord(prometheus) || typeof prometheus.query !== 'string' || prometheus.query.length === 0 || prometheus.query.length > 2048) return `${at}.prometheus.query: expected a string of 1..2048 characters`;
    if (!isRecord(breachWhen)) return `${at}.breachWhen: required for a prometheus signal`;
    if (!isComparison(breachWhen.comparison)) return `${at}.breachWhen.comparison: one of > >= < <=`;
    if (typeof breachWhen.threshold !== 'number' || !Number.isFinite(breachWhen.threshold)) return `${at}.breachWhen.threshold: expected a number`;
    return { name, prometheus: { query: prometheus.query }, breachWhen: { comparison: breachWhen.comparison, threshold: breachWhen.threshold } };
  }
  if (!isRecord(httpProbe) || typeof httpProbe.url !== 'string' || !/^https?:\/\/[^\s]{1,2040}$/.test(httpProbe.url)) return `${at}.httpProbe.url: expected an http(s) URL`;
  const { expectedStatus, timeoutSeconds } = httpProbe;
  if (expectedStatus !== undefined && (!isInt(expectedStatus) || expectedStatus < 100 || expectedStatus > 599)) return `${at}.httpProbe.expectedStatus: 100..599`;
  if (timeoutSeconds !== undefined && (typeof timeoutSeconds !== 'number' || timeoutSeconds <= 0 || timeoutSeconds > 30)) return `${at}.httpProbe.timeoutSeconds: (0, 30]`;
  if (breachWhen !== undefined) return `${at}.breachWhen: not used by an httpProbe (expectedStatus is the condition)`;
  return { name, httpProbe: { url: httpProbe.url, ...(expectedStatus !== undefined ? { expectedStatus } : {}), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) } };
}

/** Parses and validates a signal list (the annotation's JSON, or spec.signals); errors name the path, never values. */
export function parseSignals(raw: unknown): ParsedSignals {
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const parsed = parseJson(raw);
    if (!parsed.ok) return { ok: false, error: 'not valid JSON' };
    list = parsed.value;
  }
  if (!Array.isArray(list)) return { ok: false, error: 'expected a JSON array of signals' };
  if (list.length > MAX_SIGNALS) return { ok: false, error: `at most ${MAX_SIGNALS} signals` };
  const out: SignalSpec[] = [];
  const names = new Set<string>();
  for (const [i, item] of list.entries()) {
    const r = parseSignal(item, `[${i}]`, names);
    if (typeof r === 'string') return { ok: false, error: r };
    out.push(r);
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
