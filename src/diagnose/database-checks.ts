/**
 * Runbook "API Service Outage" step 3 and "Database Performance Issues" steps 1–4, against the database
 * named by the Incident: credentials only from the referenced Secret, never logged or written anywhere.
 */
import type * as k8s from '@kubernetes/client-node';
import { connectionConfigFromSecret, DatabaseSecretError, type DatabaseConnectionConfig } from '../database/connection-config.js';
import { checkDatabaseConnectivity } from '../database/connectivity.js';
import { diagnoseDatabaseLoad } from '../database/load.js';
import { errorCode } from '../decide/errors.js';
import { readSecretData } from '../kube/secrets.js';
import { withPgSession } from '../database/session.js';
import { readDatabaseCounters } from '../database/activity-counters.js';
import { activityBetween, summariseActivity } from '../decide/database-activity.js';
import { performance } from 'node:perf_hooks';

/** Default window of the pg_stat_database deltas taken during a database diagnosis. */
export const DEFAULT_ACTIVITY_WINDOW_MS = 2000;
import type { DatabaseEvidence } from '../api/database-evidence.js';
export type { DatabaseEvidence } from '../api/database-evidence.js';

/** Connection settings from the Incident's Secret (the one Secret reader; values never logged). */
export async function readDatabaseConfig(core: k8s.CoreV1Api, namespace: string, secretName: string): Promise<DatabaseConnectionConfig> {
  return connectionConfigFromSecret(await readSecretData(core, namespace, secretName));
}

export async function checkDatabase(
  core: k8s.CoreV1Api,
  namespace: string,
  spec: { secretRef: { name: string }; connectTimeoutSeconds?: number; longQueryThresholdSeconds?: number },
  /** activityWindowMs: the pg_stat_database delta window (default 2 s); 0 skips the counters (no wait). */
  opts: { withLoad: boolean; activityWindowMs?: number },
): Promise<DatabaseEvidence> {
  let cfg: DatabaseConnectionConfig;
  try {
    cfg = await readDatabaseConfig(core, namespace, spec.secretRef.name);
  } catch (e) {
    const message = e instanceof DatabaseSecretError || e instanceof Error ? e.message : 'unreadable secret';
    return { secret: { ok: false, message }, summary: `database not checked: ${message}` };
  }
  const timeoutMs = (spec.connectTimeoutSeconds ?? 5) * 1000;
  const connectivity = await checkDatabaseConnectivity(cfg, { timeoutMs });
  const evidence: DatabaseEvidence = { secret: { ok: true }, connectivity, summary: connectivity.summary };
  if (!connectivity.reachable || !opts.withLoad) return evidence;
  try {
    const windowMs = opts.activityWindowMs ?? DEFAULT_ACTIVITY_WINDOW_MS;
    await withPgSession(cfg, timeoutMs, async (client) => {
      // pg_stat_database before and after the load sections (at least `windowMs` apart): the load as deltas.
      const before = windowMs > 0 ? await readDatabaseCounters(client, timeoutMs).catch(() => undefined) : undefined;
      const started = performance.now();
      evidence.load = await diagnoseDatabaseLoad(client, { longQueryThresholdSeconds: spec.longQueryThresholdSeconds ?? 300, statementTimeoutMs: timeoutMs });
      const rest = windowMs - (performance.now() - started);
      if (before && rest > 0) await new Promise((r) => setTimeout(r, rest));
      const after = before ? await readDatabaseCounters(client, timeoutMs).catch(() => undefined) : undefined;
      if (before && after) evidence.activity = activityBetween(before, after);
    });
    if (!evidence.load) throw new Error('load check failed');
    const n = evidence.load.longRunningQueries.length;
    const c = evidence.load.connections;
    evidence.summary = `${connectivity.summary}; ${n} quer${n === 1 ? 'y' : 'ies'} over ${evidence.load.longQueryThresholdSeconds}s`
      + (evidence.load.blocking.length ? `; ${evidence.load.blocking.length} blocked` : '')
      + (c ? `; connections ${c.used}/${c.maxConnections}` : '')
      + (evidence.activity ? `; ${summariseActivity(evidence.activity)}` : '');
  } catch (e) {
    const code = errorCode(e);
    evidence.loadError = code ? `SQLSTATE ${code}` : 'load check failed';
  }
  return evidence;
}
