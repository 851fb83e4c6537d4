/**
 * Which health-signal evaluations are written to status. Signals are evaluated every SIGNAL_INTERVAL_MS (10 s) for
 * as long as an Incident is monitored or escalated — hours, for an escalated one — and writing each evaluation
 * (a new `evaluatedAt`, a value moved in the third decimal) was a status write, an incident-log upsert and a watch
 * event every 10 s per Incident. An evaluation is written when it says something new: a verdict (or its reason)
 * changed, a signal came or went, the healthy streak started or broke, a breach count moved below the count that
 * matters; otherwise at most once per refresh interval (values and `evaluatedAt` stay at most that old). Decisions
 * read verdicts and the healthy streak, which are therefore always current in status. Pure.
 */
import type { SignalsStatus, SignalVerdict } from '../api/signals.js';

export interface SignalsPersistenceOptions {
  /** Write at least this often while evaluating (values, evaluatedAt). */
  refreshMs: number;
  /** Breach counts at or above this are the same news (SIGNAL_CONSECUTIVE_BREACHES). */
  breachCountCap: number;
}

function verdictKey(v: SignalVerdict, cap: number): string {
  return JSON.stringify([v.name, v.source, v.verdict, v.reason ?? '', Math.min(v.consecutiveBreaches ?? 0, cap), v.threshold, v.comparison]);
}

export function signalsWorthWriting(written: SignalsStatus | undefined, next: SignalsStatus | undefined, now: Date, opts: SignalsPersistenceOptions): boolean {
  if (!written || !next) return written !== next;
  if (written.source !== next.source || written.healthySince !== next.healthySince) return true;
  const a = written.verdicts.map((v) => verdictKey(v, opts.breachCountCap));
  const b = next.verdicts.map((v) => verdictKey(v, opts.breachCountCap));
  if (a.length !== b.length || a.some((k, i) => k !== b[i])) return true;
  const age = now.getTime() - Date.parse(written.evaluatedAt);
  return !(age >= 0 && age < opts.refreshMs);
}
