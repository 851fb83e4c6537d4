/** Deltas of PostgreSQL's cumulative counters (pg_stat_database) between two readings. Pure. */
import type { DatabaseActivity } from '../api/database-evidence.js';

/** One reading of the cumulative counters. */
export interface DatabaseCounters {
  /** When it was read (ms since the epoch, the server's clock_timestamp()). */
  atMs: number;
  commits: number;
  rollbacks: number;
  blocksRead: number;
  blocksHit: number;
  tempBytes: number;
  deadlocks: number;
}

/** A counter reset between the readings (pg_stat_reset) shows as a negative delta: reported as 0. */
const delta = (a: number, b: number): number => Math.max(0, b - a);

export function activityBetween(before: DatabaseCounters, after: DatabaseCounters): DatabaseActivity {
  const blocksRead = delta(before.blocksRead, after.blocksRead);
  const blocksHit = delta(before.blocksHit, after.blocksHit);
  const touched = blocksRead + blocksHit;
  return {
    windowSeconds: Math.max(0, Math.round((after.atMs - before.atMs) / 100) / 10),
    commits: delta(before.commits, after.commits),
    rollbacks: delta(before.rollbacks, after.rollbacks),
    blocksRead,
    blocksHit,
    cacheHitRatio: touched > 0 ? Math.round((blocksHit / touched) * 1000) / 1000 : null,
    tempBytes: delta(before.tempBytes, after.tempBytes),
    deadlocks: delta(before.deadlocks, after.deadlocks),
  };
}

/** One line for the summary, e.g. `12 commits/s, cache hit 99.1%, 0 deadlocks over 2 s`. */
export function summariseActivity(a: DatabaseActivity): string {
  const perSecond = a.windowSeconds > 0 ? Math.round((a.commits / a.windowSeconds) * 10) / 10 : a.commits;
  const hit = a.cacheHitRatio === null ? 'no buffer reads' : `cache hit ${(a.cacheHitRatio * 100).toFixed(1)}%`;
  const extra = [a.rollbacks ? `${a.rollbacks} rollbacks` : '', a.tempBytes ? `${a.tempBytes} temp bytes` : '', a.deadlocks ? `${a.deadlocks} deadlocks` : ''].filter(Boolean);
  return `${perSecond} commits/s, ${hit}${extra.length ? `, ${extra.join(', ')}` : ''} over ${a.windowSeconds} s`;
}
