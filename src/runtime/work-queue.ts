/**
 * Rate-limited work queue modelled on client-go's workqueue + controller-runtime's worker loop.
 *
 * - Items are `namespace/name` keys (level-based: the reconcile re-reads state from the cache).
 * - A key is queued at most once; a key added while being processed is marked dirty and queued
 *   again when its reconcile finishes, so a key is never processed by two workers at once.
 * - Outcomes of `reconcile(key)`: resolve with nothing -> forget (reset backoff);
 *   `{ requeueAfterMs }` -> forget + addAfter; throw TerminalError -> forget, no retry;
 *   any other throw/rejection -> addAfter(key, per-item exponential backoff), never a crash.
 * - addAfter: when a key already has a pending delayed add, the earliest due time wins.
 * - shutdown(): new adds and pending delayed adds are dropped; in-flight reconciles are awaited and
 *   signalled through ctx.signal; queued keys are either discarded (drain: 'inflight', the default:
 *   a controller that lost its lease must stop acting) or processed first (drain: 'all').
 */
import { backoffDelay } from './backoff.js';
import { type Clock, type RuntimeLogger, type Scheduler, type TimerHandle, safeLog, stderrLogger, systemClock, systemScheduler } from './clock.js';
import { describeError } from './kube-errors.js';

export const DefaultItemBaseDelayMs = 200;
export const DefaultItemMaxDelayMs = 30_000;
export const MaxItemMaxDelayMs = 60_000;

/** Throw from a reconcile to stop retrying this key (until it is added again). */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export function isTerminalError(e: unknown): e is TerminalError {
  return e instanceof TerminalError;
}

export type ReconcileResult = { requeueAfterMs?: number } | void | undefined;

export interface ReconcileContext {
  /** Aborted when the queue shuts down. */
  signal: AbortSignal;
  /** Consecutive failures of this key before this run (0 on a first/clean run). */
  failures: number;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult> | ReconcileResult;

export const ReconcileOutcomeSuccess = 'success';
export const ReconcileOutcomeRequeueAfter = 'requeue_after';
export const ReconcileOutcomeError = 'error';
export const ReconcileOutcomeTerminal = 'terminal_error';
export type ReconcileOutcome =
  | typeof ReconcileOutcomeSuccess
  | typeof ReconcileOutcomeRequeueAfter
  | typeof ReconcileOutcomeError
  | typeof ReconcileOutcomeTerminal;

/** Optional hooks (e.g. wired to prom-client elsewhere). No key is passed: keys are unbounded labels. */
export interface WorkQueueMetrics {
  depth?(depth: number): void;
  add?(): void;
  retry?(): void;
  /** Seconds a key waited in the queue before a worker picked it up. */
  queueLatency?(seconds: number): void;
  reconcileDuration?(seconds: number, outcome: ReconcileOutcome): void;
  inFlight?(count: number): void;
}

export interface WorkQueueOptions {
  /** For logs. */
  name?: string;
  baseDelayMs?: number;
  /** Per-item backoff cap, default 30 s, at most 60 s. */
  maxDelayMs?: number;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: RuntimeLogger;
  metrics?: WorkQueueMetrics;
  /**
   * The stale-cache guard, applied once here for every controller: while it returns false (an informer
   * is re-listing or backing off), keys are held back and retried after `gateRetryMs` instead of being
   * reconciled from possibly stale caches.
   */
  gate?: () => boolean;
  /** Delay before a held-back key is tried again (default 1000 ms). */
  gateRetryMs?: number;
}

export interface ShutdownOptions {
  drain?: 'inflight' | 'all';
  /** Resolve false if not drained within this time. */
  timeoutMs?: number;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class WorkQueue {
  private readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly logger: RuntimeLogger;
  private readonly metrics: WorkQueueMetrics;
  private readonly gate: (() => boolean) | undefined;
  private readonly gateRetryMs: number;

  private readonly queue: string[] = [];
  private readonly queued = new Map<string, number>(); // key -> enqueue time (ms)
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>(); // added while processing
  private readonly delayed = new Map<string, { dueAt: number; timer: TimerHandle }>();
  private readonly failures = new Map<string, number>();

  private reconcile: Reconciler | undefined;
  private workers = 0;
  private shuttingDown = false;
  private drainAll = false;
  private readonly abort = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'workqueue';
    this.baseDelayMs = opts.baseDelayMs ?? DefaultItemBaseDelayMs;
    this.maxDelayMs = opts.maxDelayMs ?? DefaultItemMaxDelayMs;
    if (!(this.baseDelayMs > 0)) throw new RangeError(`baseDelayMs must be > 0, got ${this.baseDelayMs}`);
    if (!(this.maxDelayMs >= this.baseDelayMs) || this.maxDelayMs > MaxItemMaxDelayMs) {
      throw new RangeError(`maxDelayMs must be in [baseDelayMs, ${MaxItemMaxDelayMs}], got ${this.maxDelayMs}`);
    }
    this.clock = opts.clock ?? systemClock;
    this.scheduler = opts.scheduler ?? systemScheduler;
    this.logger = opts.logger ?? stderrLogger;
    this.metrics = opts.metrics ?? {};
    this.gate = opts.gate;
    this.gateRetryMs = opts.gateRetryMs ?? 1000;
  }

  /** Queue a key now (no-op if already queued; marks dirty if in flight). */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.hook(() => this.metrics.add?.());
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.set(key, this.clock.now().getTime());
    this.queue.push(key);
    this.reportDepth();
    this.pump();
  }

  /** Queue a key after `delayMs`; if one is already pending for the key, the earlier one wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!Number.isFinite(delayMs) || delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.clock.now().getTime() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.dueAt <= dueAt) return;
      this.scheduler.clearTimeout(pending.timer);
    }
    const timer = this.scheduler.setTimeout(() => {
      if (this.delayed.get(key)?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { dueAt, timer });
  }

  /** Queue a key after its per-item backoff delay; increments its failure count. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.hook(() => this.metrics.retry?.());
    this.addAfter(key, this.backoffFor(n));
  }

  /** The delay addRateLimited would use after `failures` consecutive failures. */
  backoffFor(failures: number): number {
    return backoffDelay(failures, { baseMs: this.baseDelayMs, capMs: this.maxDelayMs, jitter: 'none' });
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to be processed (excluding in-flight and delayed ones). */
  len(): number {
    return this.queue.length;
  }

  inFlight(): number {
    return this.processing.size;
  }

  pendingDelayed(): number {
    return this.delayed.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Start `workers` concurrent reconciles. Call once. */
  run(workers: number, reconcile: Reconciler): void {
    if (this.reconcile !== undefined) throw new Error(`${this.name}: run() called twice`);
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
    this.reconcile = reconcile;
    this.workers = workers;
    this.pump();
  }

  /** Stop accepting work and wait for in-flight reconciles. Resolves true when drained. */
  shutdown(opts: ShutdownOptions = {}): Promise<boolean> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.drainAll = opts.drain === 'all' && this.reconcile !== undefined;
      for (const { timer } of this.delayed.values()) this.scheduler.clearTimeout(timer);
      this.delayed.clear();
      if (!this.drainAll) this.discardQueued();
      this.abort.abort();
    }
    const drained = new Promise<boolean>((resolve) => {
      if (this.isIdle()) resolve(true);
      else this.idleWaiters.push(() => resolve(true));
    });
    if (opts.timeoutMs === undefined) return drained;
    return new Promise<boolean>((resolve) => {
      const timer = this.scheduler.setTimeout(() => resolve(false), opts.timeoutMs ?? 0);
      void drained.then((v) => {
        this.scheduler.clearTimeout(timer);
        resolve(v);
      });
    });
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && (this.queue.length === 0 || !this.drainAll);
  }

  private discardQueued(): void {
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.reportDepth();
  }

  private pump(): void {
    const reconcile = this.reconcile;
    if (reconcile === undefined) return;
    if (this.shuttingDown && !this.drainAll) return;
    while (this.processing.size < this.workers && this.queue.length > 0) {
      const key = this.queue.shift();
      if (key === undefined) break;
      const enqueuedAt = this.queued.get(key) ?? this.clock.now().getTime();
      this.queued.delete(key);
      this.processing.add(key);
      this.reportDepth();
      this.hook(() => this.metrics.inFlight?.(this.processing.size));
      this.hook(() => this.metrics.queueLatency?.(Math.max(0, this.clock.now().getTime() - enqueuedAt) / 1000));
      void this.process(key, reconcile);
    }
  }

  private async process(key: string, reconcile: Reconciler): Promise<void> {
    try {
      await this.runOnce(key, reconcile);
    } catch (e) {
      safeLog(this.logger, 'error', 'work queue internal error', { queue: this.name, key, ...describeError(e) });
    } finally {
      this.done(key);
    }
  }

  private async runOnce(key: string, reconcile: Reconciler): Promise<void> {
    if (this.gate && !this.gate()) {
      this.addAfter(key, this.gateRetryMs); // stale caches: decide later, without spending a retry
      return;
    }
    const started = this.clock.now().getTime();
    let outcome: ReconcileOutcome;
    try {
      const ctx: ReconcileContext = { signal: this.abort.signal, failures: this.numRequeues(key) };
      const result = await reconcile(key, ctx);
      const after = result?.requeueAfterMs;
      this.forget(key);
      if (typeof after === 'number' && Number.isFinite(after) && after >= 0) {
        outcome = ReconcileOutcomeRequeueAfter;
        this.addAfter(key, after);
      } else {
        outcome = ReconcileOutcomeSuccess;
      }
    } catch (e) {
      if (isTerminalError(e)) {
        outcome = ReconcileOutcomeTerminal;
        this.forget(key);
        safeLog(this.logger, 'error', 'reconcile failed with a terminal error; not retrying', { queue: this.name, key, ...describeError(e) });
      } else {
        outcome = ReconcileOutcomeError;
        const failures = this.numRequeues(key);
        safeLog(this.logger, 'warn', 'reconcile failed; retrying with backoff', {
          queue: this.name,
          key,
          failures: failures + 1,
          retryInMs: this.backoffFor(failures),
          ...describeError(e),
        });
        this.addRateLimited(key);
      }
    }
    const seconds = Math.max(0, this.clock.now().getTime() - started) / 1000;
    this.hook(() => this.metrics.reconcileDuration?.(seconds, outcome));
  }

  private done(key: string): void {
    this.processing.delete(key);
    this.hook(() => this.metrics.inFlight?.(this.processing.size));
    if (this.dirty.delete(key) && (!this.shuttingDown || this.drainAll) && !this.queued.has(key)) {
      this.queued.set(key, this.clock.now().getTime());
      this.queue.push(key);
      this.reportDepth();
    }
    this.pump();
    if (this.shuttingDown && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private reportDepth(): void {
    this.hook(() => this.metrics.depth?.(this.queue.length));
  }

  private hook(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      safeLog(this.logger, 'warn', 'work queue metrics hook threw', { queue: this.name, ...describeError(e) });
    }
  }
}
