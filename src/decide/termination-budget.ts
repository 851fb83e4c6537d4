/**
 * The per-database-server termination budget, shared by every Incident. Pure.
 *
 * The ledger is the termination **intents** recorded in the status of every Incident (read from the
 * incidents cache) plus the intents this process recorded and the cache has not shown yet. An intent is
 * written to status *before* its signal is sent, and it counts from that moment whether or not the signal
 * followed: a SIGKILL between intent and signal can waste a unit, never add one. A unit is one distinct
 * session (server, pid, backend_start): the same session intended twice (a resumed intent, or two Incidents
 * about one pile-up) costs one unit. Units come back when their intent is older than the window.
 */

export interface BudgetPolicy {
  /** Terminations allowed per server within the window. */
  max: number;
  windowSeconds: number;
}

export const DefaultTerminationBudget: BudgetPolicy = { max: 5, windowSeconds: 600 };

export interface LedgerEntry {
  /** Server identity (see serverKey in the adapter): system identifier, else host:port. */
  server: string;
  pid: number;
  backendStart: string;
  /** ISO-8601; unparseable or missing → counted as if just now (conservative). */
  intendedAt: string;
}

export const sessionKey = (pid: number, backendStart: string): string => `${pid}@${backendStart}`;

export interface BudgetState {
  /** Distinct sessions intended on this server within the window. */
  used: number;
  remaining: number;
  /** Keys (sessionKey) already paid for within the window: intending them again is free. */
  counted: ReadonlySet<string>;
  /** When the oldest counted intent leaves the window (a unit comes back), or null when none is counted. */
  nextUnitAt: Date | null;
}

export function budgetState(entries: readonly LedgerEntry[], server: string, policy: BudgetPolicy, now: Date): BudgetState {
  const max = Math.max(0, Math.floor(policy.max));
  const windowMs = Math.max(0, policy.windowSeconds) * 1000;
  const since = now.getTime() - windowMs;
  const firstSeen = new Map<string, number>();
  for (const e of entries) {
    if (e.server !== server) continue;
    const parsed = Date.parse(e.intendedAt);
    const at = Number.isNaN(parsed) ? now.getTime() : parsed;
    if (at <= since) continue;
    const key = sessionKey(e.pid, e.backendStart);
    const prev = firstSeen.get(key);
    if (prev === undefined || at < prev) firstSeen.set(key, at);
  }
  const used = firstSeen.size;
  const oldest = used === 0 ? null : Math.min(...firstSeen.values());
  return {
    used,
    remaining: Math.max(0, max - used),
    counted: new Set(firstSeen.keys()),
    nextUnitAt: oldest === null ? null : new Date(oldest + windowMs),
  };
}
