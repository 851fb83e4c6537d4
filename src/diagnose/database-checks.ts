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
  opts: { withLoad: boolean },
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
    evidence.load = await withPgSession(cfg, timeoutMs, (client) => diagnoseDatabaseLoad(client, { longQueryThresholdSeconds: spec.longQueryThresholdSeconds ?? 300, statementTimeoutMs: timeoutMs }));
    const n = evidence.load.longRunningQueries.length;
    const c = evidence.load.connections;
    evidence.summary = `${connectivity.summary}; ${n} quer${n === 1 ? 'y' : 'ies'} over ${evidence.load.longQueryThresholdSeconds}s`
      + (evidence.load.blocking.length ? `; ${evidence.load.blocking.length} blocked` : '')
      + (c ? `; connections ${c.used}/${c.maxConnections}` : '');
  } catch (e) {
    const code = errorCode(e);
    evidence.loadError = code ? `SQLSTATE ${code}` : 'load check failed';
  }
  return evidence;
}
