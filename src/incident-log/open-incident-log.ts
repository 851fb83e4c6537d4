/**
 * Builds the incident log writer from the operator's environment: the PostgreSQL URL comes from a file (a
 * mounted Secret, INCIDENT_LOG_DATABASE_URL_FILE) and is never logged or put into an error message.
 *
 *   INCIDENT_LOG_SCHEMA           schema of the tables (default incident_log)
 *   INCIDENT_LOG_MAX_PENDING      incident states kept in memory while the database is slow or down (default 1000)
 *   INCIDENT_LOG_RESYNC_SECONDS   period of the resync from the informer cache (default 300)
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { Incident } from '../api/incident.js';
import type { Logger } from '../log.js';
import type { OperatorHandle } from '../operator.js';
import { registerIncidentLogMetrics } from './metrics.js';
import { errorCode } from '../decide/errors.js';
import { DefaultMaxPending, IncidentLogWriter } from './incident-log-writer.js';
import { DefaultSchema, validateSchemaName } from './schema.js';
import { errorMessage } from '../decide/errors.js';

export class IncidentLogConfigError extends Error {
  override readonly name = 'IncidentLogConfigError';
  constructor(readonly variable: string, detail: string) {
    super(`invalid ${variable}: ${detail}`);
  }
}

export interface IncidentLogSettings {
  schema: string;
  maxPending: number;
  resyncIntervalMs: number;
}

function intSetting(env: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new IncidentLogConfigError(name, `expected an integer in [${min}, ${max}]`);
  return n;
}

/** Pure: the writer settings from environment variables. */
export function incidentLogSettings(env: Record<string, string | undefined>): IncidentLogSettings {
  const schemaRaw = env.INCIDENT_LOG_SCHEMA || DefaultSchema;
  let schema: string;
  try { schema = validateSchemaName(schemaRaw); } catch (e) { throw new IncidentLogConfigError('INCIDENT_LOG_SCHEMA', errorMessage(e)); }
  return {
    schema,
    maxPending: intSetting(env, 'INCIDENT_LOG_MAX_PENDING', DefaultMaxPending, 1, 1_000_000),
    resyncIntervalMs: intSetting(env, 'INCIDENT_LOG_RESYNC_SECONDS', 300, 1, 86_400) * 1000,
  };
}

/** Reads and checks the URL file; errors name the variable and the problem, never the content. */
export async function readDatabaseUrl(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new IncidentLogConfigError('INCIDENT_LOG_DATABASE_URL_FILE', `cannot read the file (${errorCode(e) ?? 'error'})`);
  }
  const url = text.trim();
  let protocol: string;
  try { protocol = new URL(url).protocol; } catch { protocol = ''; }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new IncidentLogConfigError('INCIDENT_LOG_DATABASE_URL_FILE', 'the file must contain one postgres:// or postgresql:// URL');
  }
  return url;
}

/**
 * Opens the incident log: a pg.Pool (max 2 connections) on the URL in `urlFile`, and a started writer.
 * Connecting is lazy: a database that is down at start only delays the writes.
 */
export async function openIncidentLog(urlFile: string, log: Logger, env: Record<string, string | undefined>): Promise<{ writer: IncidentLogWriter; settings: IncidentLogSettings }> {
  const settings = incidentLogSettings(env);
  const connectionString = await readDatabaseUrl(urlFile);
  const pool = new pg.Pool({
    connectionString,
    max: 2,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    query_timeout: 15_000,
    application_name: 'incident-operator-incident-log',
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process.
  pool.on('error', (e) => log.warn('incident log: idle database connection lost', { code: errorCode(e) }));
  const writer = new IncidentLogWriter({ pool, log, schema: settings.schema, maxPending: settings.maxPending }).start();
  log.info('incident log enabled', { schema: settings.schema, maxPending: settings.maxPending, resyncSeconds: settings.resyncIntervalMs / 1000 });
  return { writer, settings };
}

/**
 * Connects an opened incident log to the running operator: its metrics on the operator's registry, and the
 * periodic resync from the Incident cache (only while leading, only watched namespaces, only opened incidents).
 */
export function wireIncidentLog(opened: { writer: IncidentLogWriter; settings: IncidentLogSettings }, handle: Pick<OperatorHandle, 'metrics' | 'elector' | 'caches'>, handles: (namespace: string) => boolean): void {
  const { writer, settings } = opened;
  registerIncidentLogMetrics(handle.metrics.registry, () => writer.stats(), () => writer.lagSeconds());
  writer.startResync(() => {
    if (!handle.elector.isLeader()) return undefined;
    return handle.caches.incidents.list().filter((i: Incident) =>
      !!i.status?.openedAt && handles(i.metadata.namespace));
  }, settings.resyncIntervalMs);
}
