/** Escalation wiring (filled by the escalation issue). */
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { OperatorOptions } from '../operator.js';

export function buildEscalator(_config: OperatorConfig, _log: Logger): OperatorOptions['escalator'] {
  return undefined;
}

export function buildRoutes(_config: OperatorConfig, _log: Logger): OperatorOptions['routes'] {
  return undefined;
}
