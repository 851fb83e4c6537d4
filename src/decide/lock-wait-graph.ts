/**
 * The wait-for graph of a PostgreSQL server, from pg_blocking_pids() of every session. Pure.
 *
 * An edge waiter → blocker means "waiter waits for a lock blocker holds or is queued ahead for". A **root
 * blocker** blocks somebody and waits for nobody: ending it is what lets a pile-up drain. A pid that appears
 * as a blocker but is not among the listed sessions (0 for a prepared transaction, or a session that ended
 * between the two reads) is an unknown root: nobody can terminate it. Cycles (a deadlock before the server's
 * deadlock detector breaks it) have no root: every member is a victim.
 */

export interface WaitNode {
  pid: number;
  blockedBy: readonly number[];
}

export interface RootBlocker {
  pid: number;
  /** False when the pid is not a listed session (prepared transaction, ended meanwhile). */
  known: boolean;
  /** Sessions waiting for it directly or through a chain, sorted by pid. */
  waiters: number[];
}

export interface WaitForGraph {
  /** Sessions that wait for at least one other (victims), sorted by pid. */
  waiting: number[];
  /** Root blockers, most waiters first, then pid. */
  roots: RootBlocker[];
  /** The root blockers a waiting session ultimately waits for, sorted by pid (empty in a pure cycle). */
  rootsOf(pid: number): number[];
  /** True when `pid` waits for somebody. */
  isWaiting(pid: number): boolean;
  /** Number of sessions waiting for `pid` directly or transitively (0 for non-blockers). */
  waiterCount(pid: number): number;
}

export function buildWaitForGraph(nodes: readonly WaitNode[]): WaitForGraph {
  const known = new Set(nodes.map((n) => n.pid));
  const blockedBy = new Map<number, number[]>();
  for (const n of nodes) {
    const edges = [...new Set(n.blockedBy.filter((b) => Number.isInteger(b) && b !== n.pid))].sort((a, b) => a - b);
    if (edges.length > 0) blockedBy.set(n.pid, edges);
  }
  const isWaiting = (pid: number): boolean => (blockedBy.get(pid)?.length ?? 0) > 0;

  // reverse edges: blocker → direct waiters
  const waitersOf = new Map<number, number[]>();
  for (const [waiter, blockers] of blockedBy) {
    for (const b of blockers) {
      const list = waitersOf.get(b) ?? [];
      list.push(waiter);
      waitersOf.set(b, list);
    }
  }

  const transitiveWaiters = (pid: number): number[] => {
    const seen = new Set<number>();
    const stack = [...(waitersOf.get(pid) ?? [])];
    while (stack.length > 0) {
      const w = stack.pop()!;
      if (seen.has(w) || w === pid) continue;
      seen.add(w);
      stack.push(...(waitersOf.get(w) ?? []));
    }
    return [...seen].sort((a, b) => a - b);
  };

  const rootsMemo = new Map<number, number[]>();
  const rootsOf = (pid: number): number[] => {
    const cached = rootsMemo.get(pid);
    if (cached) return cached;
    const roots = new Set<number>();
    const seen = new Set<number>([pid]);
    const stack = [...(blockedBy.get(pid) ?? [])];
    while (stack.length > 0) {
      const b = stack.pop()!;
      if (seen.has(b)) continue;
      seen.add(b);
      if (isWaiting(b)) stack.push(...blockedBy.get(b)!);
      else roots.add(b);
    }
    const result = [...roots].sort((a, b) => a - b);
    rootsMemo.set(pid, result);
    return result;
  };

  const counts = new Map<number, number>();
  const roots: RootBlocker[] = [];
  for (const blocker of waitersOf.keys()) {
    const waiters = transitiveWaiters(blocker);
    counts.set(blocker, waiters.length);
    if (!isWaiting(blocker)) roots.push({ pid: blocker, known: known.has(blocker), waiters });
  }
  roots.sort((a, b) => b.waiters.length - a.waiters.length || a.pid - b.pid);

  return {
    waiting: [...blockedBy.keys()].sort((a, b) => a - b),
    roots,
    rootsOf,
    isWaiting,
    waiterCount: (pid) => counts.get(pid) ?? 0,
  };
}
