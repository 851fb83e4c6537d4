/**
 * The durable incident log writer (runbook, post-incident step 1 "Document the incident in the incident log").
 *
 * Never blocks or fails a reconcile: enqueue() (the operator's onStatusWritten hook) only records the newest
 * state per incident uid in a bounded in-memory map; a single background loop writes the states in order,
 * each in one transaction (timeline rows insert-only, summary row upserted), and retries with exponential
 * backoff while the database is unavailable. A state whose data PostgreSQL rejects (SQLSTATE class 22/23) is
 * dropped with an error log instead of blocking the queue. A periodic resync from the informer cache recovers
 * states lost from memory (process killed, queue overflow): writes are idempotent, so replays are harmless.
 *
 * Logs never contain the connection string or SQL; data errors are logged by SQLSTATE only.
 */
import type { Incident } from '../api/incident.js';
import type { Logger } from '../log.js';
import { Backoff } from '../runtime/backoff.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { incidentLogRecord, type IncidentLogRecord } from './log-entries.js';
import {
  createSchemaSql, createTablesSql, insertEntries, logTables, maxSeqSql, SchemaExistsSql, upsertPostmortem, upsertSummary, type LogTables,
} from './schema.js';
import { errorMessage } from '../decide/errors.js';

/** The subset of pg.PoolClient the writer uses. */
export interface LogClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  release(destroy?: Error | boolean): void;
}

/** The subset of pg.Pool the writer uses. */
export interface LogPool {
  connect(): Promise<LogClient>;
  end(): Promise<void>;
}

export interface IncidentLogStats {
  /** Incident states committed. */
  written: number;
  /** Timeline rows newly inserted (replays insert nothing). */
  entriesWritten: number;
  /** Failed write attempts (each is retried). */
  failures: number;
  /** Incident states waiting to be written. */
  pending: number;
  /** States evicted because the pending map was full (the resync writes them later). */
  dropped: number;
  /** States PostgreSQL rejected as invalid data (not retried). */
  rejected: number;
  /** Timeline entries that left the bounded status timeline before they could be logged. */
  lostEntries: number;
}

export interface IncidentLogWriterOptions {
  pool: LogPool;
  log: Logger;
  /** Schema of the two tables (default `incident_log`). */
  schema?: string;
  /** Most incident states kept in memory (default 1000). */
  maxPending?: number;
  /** Retry backoff (default 500 ms doubling up to 30 s, equal jitter). */
  retry?: { baseMs: number; capMs: number };
  /** Time of enqueues, for the lag (default: the system clock). */
  clock?: Clock;
}

export const DefaultMaxPending = 1000;
export const DefaultRetry = { baseMs: 500, capMs: 30_000 } as const;
/** Incident uids remembered with the state last written (skips unchanged states: status writes of conditions only, resync). */
const MaxRemembered = 10_000;

/** `since`: when the uid's oldest unwritten state was enqueued (ms), kept while newer states replace it. */
interface PendingItem { record: IncidentLogRecord; key: string; label: string; since: number }

/** Identifies what a record stores: the summary (its timelineTotal fixes the entries, which never change per seq). */
const stateKey = (r: IncidentLogRecord): string => JSON.stringify(r.summary);

/** SQLSTATE classes for data the server will never accept: retrying cannot help. */
const isDataError = (code: string | undefined): boolean => !!code && (code.startsWith('22') || code.startsWith('23'));
const UndefinedTable = '42P01';

const pgCode = (e: unknown): string | undefined => {
  const c = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return typeof c === 'string' ? c : undefined;
};

export class IncidentLogWriter {
  private readonly tables: LogTables;
  private readonly maxPending: number;
  private readonly backoff: Backoff;
  private readonly pending = new Map<string, PendingItem>();
  private readonly lastWritten = new Map<string, string>();
  private readonly counters = { written: 0, entriesWritten: 0, failures: 0, dropped: 0, rejected: 0, lostEntries: 0 };
  private tablesReady = false;
  private failing = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Resolves the loop's wait for work (enqueue, close). */
  private wake: (() => void) | undefined;
  /** Ends a retry delay early (close only: new work must not defeat the backoff). */
  private endSleep: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private resyncTimers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: IncidentLogWriterOptions) {
    this.tables = logTables(opts.schema);
    this.maxPending = Math.max(1, opts.maxPending ?? DefaultMaxPending);
    const retry = opts.retry ?? DefaultRetry;
    this.backoff = new Backoff({ baseMs: retry.baseMs, capMs: retry.capMs, jitter: 'equal' });
  }

  /** Starts the background loop (idempotent). */
  start(): this {
    this.loop ??= this.run().catch((e) => { this.opts.log.error('incident log: writer loop crashed', { error: errorMessage(e) }); });
    return this;
  }

  /** The operator's onStatusWritten hook: records the newest state of the incident; never throws, never waits. */
  enqueue = (incident: Incident): void => {
    try {
      if (this.stopped) return;
      const uid = incident.metadata?.uid;
      if (!uid) return;
      const record = incidentLogRecord(incident);
      if (!record) return;
      const key = stateKey(record);
      if (!this.pending.has(uid) && this.lastWritten.get(uid) === key) return; // already in the log
      const since = this.pending.get(uid)?.since ?? (this.opts.clock ?? systemClock).now().getTime();
      const item: PendingItem = { record, key, label: `${incident.metadata.namespace}/${incident.metadata.name}`, since };
      if (!this.pending.has(uid) && this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value ?? '';
        this.pending.delete(oldest);
        this.lastWritten.delete(oldest); // so the resync writes it again
        this.counters.dropped += 1;
        if (this.counters.dropped === 1 || this.counters.dropped % 100 === 0) {
          this.opts.log.warn('incident log: pending queue full, oldest state dropped until the next resync', { maxPending: this.maxPending, dropped: this.counters.dropped });
        }
      }
      this.pending.set(uid, item); // an existing uid keeps its place in the order
      this.wake?.();
    } catch (e) {
      this.opts.log.warn('incident log: enqueue failed', { error: errorMessage(e) });
    }
  };

  /** Enqueues every listed incident whose state was not written yet; forgets incidents no longer listed. */
  resync(incidents: readonly Incident[]): void {
    const seen = new Set<string>();
    for (const i of incidents) {
      if (i.metadata?.uid) seen.add(i.metadata.uid);
      this.enqueue(i);
    }
    for (const uid of [...this.lastWritten.keys()]) if (!seen.has(uid)) this.lastWritten.delete(uid);
  }

  /**
   * Calls resync(list()) after firstDelayMs and then every intervalMs (timers do not keep the process alive);
   * `list` returns undefined to skip a round (e.g. not the leader).
   */
  startResync(list: () => readonly Incident[] | undefined, intervalMs: number, firstDelayMs = Math.min(intervalMs, 10_000)): void {
    const tick = () => {
      try {
        const incidents = list();
        if (incidents) this.resync(incidents);
      } catch (e) {
        this.opts.log.warn('incident log: resync failed', { error: errorMessage(e) });
      }
    };
    const first = setTimeout(() => {
      tick();
      const every = setInterval(tick, intervalMs);
      every.unref();
      this.resyncTimers.push(every);
    }, firstDelayMs);
    first.unref();
    this.resyncTimers.push(first);
  }

  stats(): IncidentLogStats {
    return { ...this.counters, pending: this.pending.size };
  }

  /** Seconds the oldest unwritten state has waited (0 when nothing is pending): the incident log's lag. */
  lagSeconds(): number {
    let oldest = Infinity;
    for (const item of this.pending.values()) oldest = Math.min(oldest, item.since);
    return oldest === Infinity ? 0 : Math.max(0, ((this.opts.clock ?? systemClock).now().getTime() - oldest) / 1000);
  }

  /** Resolves true once nothing is pending, false after timeoutMs. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.idleWaiters = this.idleWaiters.filter((w) => w !== done); resolve(false); }, timeoutMs);
      const done = () => { clearTimeout(timer); resolve(true); };
      this.idleWaiters.push(done);
    });
  }

  /** Stops resync and the loop (after trying to flush for flushTimeoutMs) and ends the pool. */
  async close(flushTimeoutMs = 3_000): Promise<void> {
    for (const t of this.resyncTimers) clearTimeout(t);
    this.resyncTimers = [];
    if (this.loop && !this.failing && this.pending.size > 0) await this.flush(flushTimeoutMs);
    this.stopped = true;
    if (this.pending.size > 0) this.opts.log.warn('incident log: closing with unwritten states', { pending: this.pending.size });
    this.interrupt();
    await this.loop;
    await Promise.race([this.opts.pool.end(), new Promise((r) => setTimeout(r, 2_000).unref())]).catch(() => undefined);
  }

  private interrupt(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.endSleep?.();
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const head = this.pending.entries().next();
      if (head.done) {
        await new Promise<void>((r) => { this.wake = r; });
        this.wake = undefined;
        continue;
      }
      const [uid, item] = head.value;
      try {
        const inserted = await this.write(item);
        if (this.pending.get(uid) === item) this.pending.delete(uid);
        this.remember(uid, item.key);
        this.counters.written += 1;
        this.counters.entriesWritten += inserted;
        this.backoff.reset();
        if (this.failing) this.opts.log.info('incident log: database reachable again, writing', { pending: this.pending.size });
        this.failing = false;
        this.opts.log.debug('incident log: written', { incident: item.label, uid, entries: item.record.entries.length, inserted, phase: item.record.summary.phase });
      } catch (e) {
        const code = pgCode(e);
        if (code === UndefinedTable) this.tablesReady = false;
        if (isDataError(code)) {
          if (this.pending.get(uid) === item) this.pending.delete(uid);
          this.counters.rejected += 1;
          this.opts.log.error('incident log: state rejected by the database, skipped', { incident: item.label, uid, code });
        } else {
          this.counters.failures += 1;
          this.failing = true;
          const delay = this.backoff.next();
          this.opts.log.warn('incident log: write failed, retrying', { code, error: errorMessage(e), attempt: this.backoff.attempt, retryInMs: delay, pending: this.pending.size });
          await this.sleep(delay);
        }
      }
      if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private remember(uid: string, key: string): void {
    this.lastWritten.delete(uid);
    this.lastWritten.set(uid, key);
    if (this.lastWritten.size > MaxRemembered) this.lastWritten.delete(this.lastWritten.keys().next().value ?? '');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { this.sleepTimer = undefined; this.endSleep = undefined; resolve(); };
      this.sleepTimer = setTimeout(done, ms);
      this.endSleep = done;
    });
  }

  /** One incident state in one transaction; returns the number of timeline rows inserted. */
  private async write(item: PendingItem): Promise<number> {
    const client = await this.opts.pool.connect();
    let broken: Error | undefined;
    try {
      if (!this.tablesReady) await this.ensureTables(client);
      const { record } = item;
      await client.query('BEGIN');
      let inserted = 0;
      try {
        const first = record.entries[0];
        if (first) {
          const prev = (await client.query(maxSeqSql(this.tables), [record.incidentUid])).rows[0]?.['max_seq'];
          const expected = prev === null || prev === undefined ? 0 : Number(prev) + 1;
          if (first.seq > expected) {
            this.counters.lostEntries += first.seq - expected;
            this.opts.log.warn('incident log: timeline entries left the status before they were logged', { incident: item.label, uid: record.incidentUid, missing: first.seq - expected });
          }
          const ins = insertEntries(this.tables, record.entries);
          inserted = (await client.query(ins.text, ins.values)).rowCount ?? 0;
        }
        const up = upsertSummary(this.tables, record.summary);
        await client.query(up.text, up.values);
        if (record.postmortem) {
          const pm = upsertPostmortem(this.tables, record.postmortem);
          await client.query(pm.text, pm.values);
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      return inserted;
    } catch (e) {
      if (!isDataError(pgCode(e))) broken = e instanceof Error ? e : new Error(String(e)); // connection-level trouble: do not reuse the client
      throw e;
    } finally {
      client.release(broken ?? false);
    }
  }

  /** Creates the schema when missing (needs CREATE on the database) and the tables (idempotent DDL). */
  private async ensureTables(client: LogClient): Promise<void> {
    try {
      const exists = (await client.query(SchemaExistsSql, [this.tables.schema])).rows.length > 0;
      if (!exists) await client.query(createSchemaSql(this.tables));
      for (const sql of createTablesSql(this.tables)) await client.query(sql);
    } catch (e) {
      // DDL races between replicas (23505 on the catalog) or missing privileges are retried, never "data" errors.
      throw Object.assign(new Error(`preparing the incident log tables failed: ${errorMessage(e)}`), { code: `ddl:${pgCode(e) ?? 'unknown'}` });
    }
    this.tablesReady = true;
    this.opts.log.info('incident log: tables ready', { schema: this.tables.schema });
  }
}
