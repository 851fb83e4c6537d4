/**
 * Runbook "API Service Outage" step 3 and "Database Performance Issues" steps 1–4, against the database
 * named by the Incident: credentials only from the referenced Secret, never logged or written anywhere.
 */
import type * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { connectionConfigFromSecret, DatabaseSecretError, type DatabaseConnectionConfig } from '../database/connection-config.js';
import { checkDatabaseConnectivity, type ConnectivityReport } from '../database/connectivity.js';
import { diagnoseDatabaseLoad, type DatabaseLoadReport } from '../database/load.js';
import { statusCode } from '../runtime/kube-errors.js';

export interface DatabaseEvidence {
  secret: { ok: boolean; message?: string };
  connectivity?: ConnectivityReport;
  load?: DatabaseLoadReport;
  loadError?: string;
  summary: string;
}

export async function readDatabaseConfig(core: k8s.CoreV1Api, namespace: string, secretName: string): Promise<DatabaseConnectionConfig> {
  let secret: k8s.V1Secret;
  try {
    secret = await core.readNamespacedSecret({ name: secretName, namespace });
  } catch (e) {
    const code = statusCode(e);
    throw new Error(code === 404 ? `Secret ${secretName} not found` : code === 403 ? `Secret ${secretName}: forbidden` : `Secret ${secretName}: read failed`);
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = v;
  return connectionConfigFromSecret(data);
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
  const client = new pg.Client({ ...cfg, connectionTimeoutMillis: timeoutMs, application_name: 'incident-operator' });
  client.on('error', () => { /* a dropped connection is reported by the query that fails */ });
  try {
    await client.connect();
    evidence.load = await diagnoseDatabaseLoad(client, { longQueryThresholdSeconds: spec.longQueryThresholdSeconds ?? 300, statementTimeoutMs: timeoutMs });
    const n = evidence.load.longRunningQueries.length;
    const c = evidence.load.connections;
    evidence.summary = `${connectivity.summary}; ${n} quer${n === 1 ? 'y' : 'ies'} over ${evidence.load.longQueryThresholdSeconds}s`
      + (evidence.load.blocking.length ? `; ${evidence.load.blocking.length} blocked` : '')
      + (c ? `; connections ${c.used}/${c.maxConnections}` : '');
  } catch (e) {
    evidence.loadError = (e as { code?: string }).code ? `SQLSTATE ${(e as { code?: string }).code}` : 'load check failed';
  } finally {
    await client.end().catch(() => undefined);
  }
  return evidence;
}
