/** Health-signal fixtures shared by the signal suites: the error-ratio query of one exporter workload and its annotation. */

/** The 5xx ratio of one Deployment over 3 s (1 s scrapes). */
export function errorRatioQuery(ns: string, name: string): string {
  return `sum(rate(http_requests_total{namespace="${ns}",deployment="${name}",code=~"5.."}[3s])) / sum(rate(http_requests_total{namespace="${ns}",deployment="${name}"}[3s]))`;
}

/** The Deployment annotation carrying the error-ratio signal (breach when > 0.05). */
export function signalsAnnotation(ns: string, name: string): Record<string, string> {
  return { 'runbook.dev/signals': JSON.stringify([{ name: 'error-ratio', prometheus: { query: errorRatioQuery(ns, name) }, breachWhen: { comparison: '>', threshold: 0.05 } }]) };
}
