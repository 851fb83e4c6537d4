/**
 * The in-process half of the per-server termination ledger (src/decide/termination-budget.ts has the rule):
 *  - one lock per database server, so two reconciles (workers) cannot both read "1 unit left" and both spend it:
 *    the whole read-ledger → record-intent → signal sequence runs under it;
 *  - the intents this process recorded, until the incidents cache shows them (the cache lags behind our own
 *    status writes). After a restart the cache is listed fresh from the API server and already holds every
 *    intent that was persisted, and only persisted intents are ever signalled.
 */
import type { LedgerEntry } from '../decide/termination-budget.js';

export class TerminationLedger {
  private readonly locks = new Map<string, Promise<void>>();
  private recent: LedgerEntry[] = [];

  /** Runs `fn` while holding the lock of `server` (FIFO per server; other servers run in parallel). */
  async withServer<T>(server: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(server) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => mine);
    this.locks.set(server, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(server) === tail) this.locks.delete(server);
    }
  }

  /** Remember intents recorded by this process (call before persisting them: conservative if the write fails). */
  remember(entries: readonly LedgerEntry[]): void {
    this.recent.push(...entries);
  }

  /** Intents recorded by this process within the last `windowSeconds` before `now`. */
  recentEntries(now: Date, windowSeconds: number): LedgerEntry[] {
    const since = now.getTime() - windowSeconds * 1000;
    this.recent = this.recent.filter((e) => { const t = Date.parse(e.intendedAt); return Number.isNaN(t) || t > since; });
    return [...this.recent];
  }
}
