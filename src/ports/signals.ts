/** Port: evaluating an Incident's health signals (spec.signals, else its target Deployment's annotation). */
import type { Incident } from '../api/incident.js';
import type { SignalsStatus } from '../api/signals.js';

/**
 * Evaluates the signals into a SignalsStatus (streaks and healthySince carried on from `previous`);
 * undefined when the Incident has no signal at all.
 */
export type EvaluateSignals = (
  incident: Incident,
  deploymentAnnotations: Readonly<Record<string, string>> | undefined,
  previous: SignalsStatus | undefined,
  now: Date,
) => Promise<SignalsStatus | undefined>;
