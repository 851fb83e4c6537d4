/**
 * Reads pg_stat_database's cumulative counters for the session's own database (read-only, bounded by a
 * statement timeout). Two readings a window apart give the load over that window (decide/database-activity.ts).
 */
import type pg from 'pg';
import type { DatabaseCounters } from '../decide/database-activity.js';
import { runReadOnly } from './read-only.js';

const COUNTERS_SQL = `
SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::float8 AS at_ms,
       xact_commit::float8 AS commits, xact_rollback::float8 AS rollbacks,
       blks_read::float8 AS blocks_read, blks_hit::float8 AS blocks_hit,
       temp_bytes::float8 AS temp_bytes, deadlocks::float8 AS deadlocks
  FROM pg_stat_database WHERE datname = current_database()`;

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

export async function readDatabaseCounters(client: pg.ClientBase, statementTimeoutMs: number): Promise<DatabaseCounters> {
  const row = (await runReadOnly(client, COUNTERS_SQL, [], statementTimeoutMs))[0] ?? {};
  return {
    atMs: n(row['at_ms']), commits: n(row['commits']), rollbacks: n(row['rollbacks']), blocksRead: n(row['blocks_read']),
    blocksHit: n(row['blocks_hit']), tempBytes: n(row['temp_bytes']), deadlocks: n(row['deadlocks']),
  };
}
