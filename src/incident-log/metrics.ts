/** Prometheus metrics of the incident log writer, read from its counters at scrape time. */
import client from 'prom-client';
import type { IncidentLogStats } from './incident-log-writer.js';

type CounterKey = Exclude<keyof IncidentLogStats, 'pending'>;

const Counters: readonly { key: CounterKey; name: string; help: string }[] = [
  { key: 'written', name: 'incident_operator_incident_log_written_total', help: 'Incident states committed to the incident log' },
  { key: 'entriesWritten', name: 'incident_operator_incident_log_entries_written_total', help: 'Timeline rows inserted into the incident log' },
  { key: 'failures', name: 'incident_operator_incident_log_failures_total', help: 'Failed incident log write attempts (retried)' },
  { key: 'dropped', name: 'incident_operator_incident_log_dropped_total', help: 'Pending incident states evicted because the queue was full' },
  { key: 'rejected', name: 'incident_operator_incident_log_rejected_total', help: 'Incident states the database rejected as invalid data' },
  { key: 'lostEntries', name: 'incident_operator_incident_log_lost_entries_total', help: 'Timeline entries that left the bounded status timeline before being logged' },
];

export const PendingGauge = 'incident_operator_incident_log_pending';
export const LagGauge = 'incident_operator_incident_log_lag_seconds';

/** Registers the incident log counters, the pending gauge and (given `lagSeconds`) the lag gauge on `registry`. */
export function registerIncidentLogMetrics(registry: client.Registry, stats: () => IncidentLogStats, lagSeconds?: () => number): void {
  for (const c of Counters) {
    new client.Counter({
      name: c.name, help: c.help, registers: [registry],
      collect() { this.reset(); this.inc(stats()[c.key]); },
    });
  }
  new client.Gauge({
    name: PendingGauge, help: 'Incident states waiting to be written to the incident log', registers: [registry],
    collect() { this.set(stats().pending); },
  });
  if (lagSeconds) {
    new client.Gauge({
      name: LagGauge, help: 'Seconds the oldest incident state not yet in the incident log has waited (0 when none)', registers: [registry],
      collect() { this.set(lagSeconds()); },
    });
  }
}
