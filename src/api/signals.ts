/**
 * Health signals: the runbook's symptoms ("5xx errors, high response times, health check failures") as
 * Prometheus queries and HTTP probes. `SignalSpec` is the shape of `spec.signals[]` (and of the Deployment
 * annotation `runbook.dev/signals`); `SignalsStatus` is `status.signals` and `status.diagnosis.signals`.
 * PHI-safe by construction: only signal names, numbers and verdicts are recorded, never label values.
 */

/** How a value breaches its threshold: `>` means "value greater than threshold is bad". */
export type SignalComparison = '>' | '>=' | '<' | '<=';

/** One health signal (spec.signals[] and the runbook.dev/signals annotation). */
export interface SignalSpec {
  /** DNS-1123-like name, unique within the list, e.g. error-ratio. */
  name: string;
  /** A PromQL instant query returning one number (the first sample is used). */
  prometheus?: { query: string };
  /** An HTTP GET from the operator; a different status is a breach, no answer is Unknown. */
  httpProbe?: { url: string; expectedStatus?: number; timeoutSeconds?: number };
  /** Prometheus signals: the breach condition (value `comparison` threshold). */
  breachWhen?: { comparison: SignalComparison; threshold: number };
}

/** Healthy (within threshold), Breaching, or Unknown (no answer: never healthy, never a reason to roll back). */
export type SignalVerdictKind = 'Healthy' | 'Breaching' | 'Unknown';

/** One signal's latest evaluation. */
export interface SignalVerdict {
  /** The signal's name. */
  name: string;
  /** Prometheus or HTTPProbe. */
  source: 'Prometheus' | 'HTTPProbe';
  /** Healthy, Breaching or Unknown. */
  verdict: SignalVerdictKind;
  /** The value seen (query result, or HTTP status of a probe); absent when Unknown. */
  value?: number;
  /** The threshold (Prometheus) or expected status (probe). */
  threshold: number;
  /** The breach comparison (`!=` for probes). */
  comparison: SignalComparison | '!=';
  /** Why Unknown: QueryFailed, NoData, NotANumber, Timeout, Unreachable, NotConfigured (with a short detail). */
  reason?: string;
  /** Consecutive breaching evaluations up to this one. */
  consecutiveBreaches?: number;
}

/** `status.signals`: the latest verdict of each signal, and since when all were healthy. */
export interface SignalsStatus {
  /** When the signals were last evaluated (RFC 3339). */
  evaluatedAt: string;
  /** Where the signals came from: Incident (spec.signals), Deployment (annotation) or None. */
  source: 'Incident' | 'Deployment' | 'None';
  /** One verdict per signal. */
  verdicts: SignalVerdict[];
  /** Since when every signal has been Healthy without a gap (RFC 3339); absent otherwise. */
  healthySince?: string;
  /** One line, e.g. `error-ratio 0.41 > 0.05 Breaching; p99-latency 0.2 <= 1 Healthy`. */
  summary: string;
}
