/**
 * The Incident side of health signals: which signals apply (spec.signals, else the target Deployment's
 * runbook.dev/signals annotation), their verdicts now, and since when all were healthy — as the
 * SignalsStatus written to status.signals and status.diagnosis.signals (names and numbers only).
 */
import type { SignalsStatus } from '../api/signals.js';
import { effectiveSignals, healthySince, summariseVerdicts } from '../decide/health-signals.js';
import { parseTime } from '../decide/time.js';
import type { EvaluateSignals } from '../ports/signals.js';
import type { SignalEvaluator } from './signal-evaluator.js';

export function incidentSignals(evaluator: Pick<SignalEvaluator, 'evaluate'>): EvaluateSignals {
  return async (incident, annotations, previous, now) => {
    const eff = effectiveSignals(incident.spec.signals, annotations);
    if (eff.signals.length === 0) return undefined;
    const verdicts = await evaluator.evaluate(eff.signals, previous?.verdicts ?? []);
    const since = healthySince(verdicts, parseTime(previous?.healthySince), now);
    const status: SignalsStatus = {
      evaluatedAt: now.toISOString(),
      source: eff.source,
      verdicts,
      summary: summariseVerdicts(verdicts),
      ...(since ? { healthySince: since.toISOString() } : {}),
    };
    return status;
  };
}
