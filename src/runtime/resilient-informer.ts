/**
 * A self-healing informer around client-node 1.4.0's `ListWatch`.
 *
 * ListWatch traps this class handles (read from node_modules/@kubernetes/client-node/dist/cache.js):
 *  - it stops for good after any list error or non-410 watch error (only 'error' callbacks fire):
 *    we restart it with jittered exponential backoff (1 s -> 30 s, reset after a healthy watch);
 *  - it re-opens a closed watch immediately: a watch that closes within `minWatchDurationMs` counts
 *    as a failure and the next open waits the backoff delay;
 *  - `await start()` resolves even when the list failed: `synced` is tracked here and becomes true
 *    only once a list succeeded and was loaded into the cache;
 *  - its watch/done handlers are async and callbacks run inside them, so a throwing handler would be
 *    an unhandled rejection (process crash): every handler and hand-over is wrapped here;
 *  - it sends neither `allowWatchBookmarks` nor `timeoutSeconds`, and a late `done` from an old watch
 *    aborts the current one: it is given a guarded Watch that adds both parameters, ignores events and
 *    `done`s of abandoned watches, and keeps a single watch open;
 *  - client-node's Watch has no idle timeout: a watchdog restarts the watch when no event (bookmarks
 *    included) arrived for `watchdogMs`; the list has its own timeout (`listTimeoutMs`).
 *
 * Cache objects have `metadata.managedFields` removed and are deep-frozen: never mutate them; copy.
 *
 * normaliseDates: objects loaded by the list come from the typed API and carry `Date` instances
 * (e.g. metadata.creationTimestamp), while objects from watch events are raw JSON and carry RFC 3339
 * strings. The cache holds both kinds side by side; they are deliberately NOT normalised. Never rely
 * on either: read timestamps through parseKubeTime() (lease-decision.ts) or `new Date(x)`.
 */
import { type KubeConfig, type KubernetesObject, type ListPromise, ListWatch, Watch } from '@kubernetes/client-node';
import { backoffDelay } from './backoff.js';
import { type Clock, type RuntimeLogger, type Scheduler, type TimerHandle, safeLog, stderrLogger, systemClock, systemScheduler, withTimeout } from './clock.js';
import { describeError, isGone } from './kube-errors.js';
import { keyOf } from './work-queue.js';
import { isRecord, sanitizeObject } from './cache-objects.js';


export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (obj: T) => void;
/** Maps an object to the index values it is filed under (e.g. its owner's `namespace/name`). */
export type Indexer<T> = (obj: T) => readonly string[];
export type InformerPhase = 'new' | 'listing' | 'watching' | 'reconnecting' | 'backoff' | 'stopped';

type WatchCallback = (phase: string, apiObj: any, watchObj?: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
type WatchDone = (err: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The part of client-node's `Watch` used here (inject a fake in tests). */
export interface WatchLike {
  watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: WatchCallback, done: WatchDone): Promise<AbortController>;
}

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs, e.g. 'deployments'. */
  name: string;
  /** Watch path, e.g. '/apis/apps/v1/namespaces/shop/deployments' (or cluster-wide '/apis/apps/v1/deployments'). */
  path: string;
  /** List function for the SAME scope and selectors, e.g. () => apps.listNamespacedDeployment({ namespace }). */
  list: ListPromise<T>;
  kubeConfig?: KubeConfig;
  /** Defaults to `new Watch(kubeConfig)`. */
  watch?: WatchLike;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, Indexer<T>>;
  /** Projects each object before it is cached (e.g. keep only the pod fields controllers read). */
  transform?: (obj: T) => T;
  /** Restart the watch when no event arrived for this long. Default 5 min. */
  watchdogMs?: number;
  /** Default 60 s. */
  listTimeoutMs?: number;
  /** Server-side watch timeout is random in [x, 2x) seconds, as in client-go. Default 300. */
  watchTimeoutSeconds?: number;
  /** Restart backoff (equal jitter): default 1 s -> 30 s. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  /** A watch that stayed open this long resets the backoff. Default 60 s. */
  healthyResetMs?: number;
  /** A watch closing sooner than this counts as a failure. Default 1 s. */
  minWatchDurationMs?: number;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: RuntimeLogger;
  rand?: () => number;
}

interface WatchSession {
  done: WatchDone;
  controller?: AbortController;
  openedAt?: number;
  ended: boolean;
}

function abortedController(): AbortController {
  const c = new AbortController();
  c.abort();
  return c;
}

export class ResilientInformer<T extends KubernetesObject> {
  readonly name: string;
  private readonly lw: ListWatch<T>;
  private readonly watchImpl: WatchLike;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly logger: RuntimeLogger;
  private readonly rand: () => number;
  private readonly cfg: Record<'watchdogMs' | 'listTimeoutMs' | 'watchTimeoutSeconds' | 'restartBaseMs' | 'restartMaxMs' | 'healthyResetMs' | 'minWatchDurationMs', number>;
  private readonly handlers: Record<InformerEvent, InformerHandler<T>[]> = { add: [], update: [], delete: [] };
  private readonly indexers: Record<string, Indexer<T>>;
  private readonly indexByValue = new Map<string, Map<string, Set<string>>>();
  private readonly indexedValues = new Map<string, Map<string, readonly string[]>>();

  private session: WatchSession | undefined;
  private state: InformerPhase = 'new';
  private failures = 0;
  private reconnectDelayMs = 0;
  private restartTimer: TimerHandle | undefined;
  private watchdogTimer: TimerHandle | undefined;
  private listLoaded = false;
  private isSynced = false;
  private syncWaiters: Array<(synced: boolean) => void> = [];
  private lastActivityMs = 0;
  private lastEvent: Date | undefined;
  private lastList: Date | undefined;
  private restartCount = 0;

  constructor(private readonly opts: ResilientInformerOptions<T>) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.scheduler = opts.scheduler ?? systemScheduler;
    this.logger = opts.logger ?? stderrLogger;
    this.rand = opts.rand ?? Math.random;
    this.cfg = {
      watchdogMs: opts.watchdogMs ?? 300_000,
      listTimeoutMs: opts.listTimeoutMs ?? 60_000,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
      restartBaseMs: opts.restartBaseMs ?? 1_000,
      restartMaxMs: opts.restartMaxMs ?? 30_000,
      healthyResetMs: opts.healthyResetMs ?? 60_000,
      minWatchDurationMs: opts.minWatchDurationMs ?? 1_000,
    };
    if (!(this.cfg.watchdogMs > 0)) throw new RangeError('watchdogMs must be > 0');
    this.indexers = opts.indexers ?? {};
    for (const n of Object.keys(this.indexers)) {
      this.indexByValue.set(n, new Map());
      this.indexedValues.set(n, new Map());
    }
    if (opts.watch !== undefined) this.watchImpl = opts.watch;
    else if (opts.kubeConfig !== undefined) this.watchImpl = new Watch(opts.kubeConfig);
    else throw new Error(`informer ${opts.name}: either kubeConfig or watch is required`);

    const guarded: WatchLike = { watch: (path, params, cb, done) => this.openWatch(path, params, cb, done) };
    // ListWatch only ever calls watch() on its Watch, which is all WatchLike provides.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- ListWatch only calls watch(), which WatchLike provides
    this.lw = new ListWatch<T>(opts.path, guarded as unknown as Watch, () => this.listOnce(), false, opts.labelSelector, opts.fieldSelector);
    this.lw.on('add', (o: T) => this.dispatch('add', o));
    this.lw.on('update', (o: T) => this.dispatch('update', o));
    this.lw.on('delete', (o: T) => this.dispatch('delete', o));
    this.lw.on('error', (err?: unknown) => this.onFailure(err));
  }

  get synced(): boolean { return this.isSynced; }
  get phase(): InformerPhase { return this.state; }
  /** Time of the last watch event (bookmarks included), for metrics. */
  get lastEventAt(): Date | undefined { return this.lastEvent; }
  get lastListAt(): Date | undefined { return this.lastList; }
  /** Restarts after errors and watchdog expiries. */
  get restarts(): number { return this.restartCount; }
  get resourceVersion(): string { return this.lw.latestResourceVersion(); }

  on(event: InformerEvent, fn: InformerHandler<T>): void {
    this.handlers[event].push(fn);
  }

  off(event: InformerEvent, fn: InformerHandler<T>): void {
    const i = this.handlers[event].indexOf(fn);
    if (i >= 0) this.handlers[event].splice(i, 1);
  }

  /** Starts listing/watching in the background; never throws or rejects. */
  start(): void {
    if (this.state !== 'new') return;
    this.touch();
    this.scheduleWatchdog();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.scheduler.clearTimeout(this.restartTimer);
    this.scheduler.clearTimeout(this.watchdogTimer);
    this.restartTimer = undefined;
    this.watchdogTimer = undefined;
    this.abandonSession();
    try {
      await this.lw.stop();
    } catch (e) {
      safeLog(this.logger, 'warn', 'informer stop failed', { informer: this.name, ...describeError(e) });
    }
    this.resolveSyncWaiters(false);
  }

  /** Resolves true once synced, false on timeout or stop. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.isSynced) return Promise.resolve(true);
    if (this.state === 'stopped') return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = this.scheduler.setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = (synced: boolean): void => {
        this.scheduler.clearTimeout(timer);
        resolve(synced);
      };
      this.syncWaiters.push(waiter);
    });
  }

  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace === '' ? undefined : namespace);
  }

  /** namespace '' for cluster-scoped objects. */
  get(namespace: string, name: string): T | undefined {
    return this.lw.get(name, namespace === '' ? undefined : namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    const byValue = this.indexByValue.get(indexName);
    if (byValue === undefined) throw new Error(`informer ${this.name}: unknown index ${indexName}`);
    const out: T[] = [];
    for (const key of byValue.get(value) ?? []) {
      const i = key.indexOf('/');
      const obj = i < 0 ? this.get('', key) : this.get(key.slice(0, i), key.slice(i + 1));
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------

  private now(): number { return this.clock.now().getTime(); }

  private isStopped(): boolean { return this.state === 'stopped'; }

  private touch(): void { this.lastActivityMs = this.now(); }

  private kick(): void {
    if (this.state === 'stopped') return;
    this.state = 'listing';
    this.touch();
    this.lw.start().catch((e: unknown) => this.onFailure(e));
  }

  private async listOnce(): Promise<{ metadata?: { resourceVersion?: string }; items: T[] }> {
    this.state = 'listing';
    this.touch();
    const list = await withTimeout(
      Promise.resolve().then(() => this.opts.list()),
      this.cfg.listTimeoutMs,
      this.scheduler,
      () => new Error(`list timed out after ${this.cfg.listTimeoutMs} ms`),
    );
    const items = (list.items ?? []).map((o) => sanitizeObject(this.opts.transform ? this.opts.transform(o) : o));
    this.listLoaded = true; // ListWatch loads the items, then opens the watch: synced from there
    this.lastList = this.clock.now();
    const out: { metadata?: { resourceVersion?: string }; items: T[] } = { items };
    if (list.metadata !== undefined) out.metadata = { resourceVersion: list.metadata.resourceVersion ?? '' };
    return out;
  }

  private async openWatch(path: string, params: Record<string, string | number | boolean | undefined>, cb: WatchCallback, done: WatchDone): Promise<AbortController> {
    if (this.state === 'stopped') return abortedController();
    this.abandonSession();
    const s: WatchSession = { done, ended: false };
    this.session = s;
    if (this.listLoaded) {
      this.listLoaded = false;
      this.markSynced();
    }
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = 0;
    if (delay > 0) {
      this.state = 'reconnecting';
      await new Promise<void>((resolve) => this.scheduler.setTimeout(resolve, delay));
      if (s.ended || this.isStopped()) return abortedController();
    }
    this.state = 'watching';
    const timeoutSeconds = Math.floor(this.cfg.watchTimeoutSeconds * (1 + this.rand()));
    let controller: AbortController;
    try {
      controller = await this.watchImpl.watch(
        path,
        { ...params, allowWatchBookmarks: true, timeoutSeconds },
        (phase, obj, raw) => this.onEvent(s, cb, phase, obj, raw),
        (err) => this.onWatchDone(s, err),
      );
    } catch (e) {
      this.onWatchDone(s, e);
      return abortedController();
    }
    s.controller = controller;
    if (s.ended) controller.abort();
    else {
      s.openedAt = this.now();
      this.touch();
    }
    return controller;
  }

  private onEvent(s: WatchSession, cb: WatchCallback, phase: string, obj: unknown, raw: unknown): void {
    if (s.ended || this.state === 'stopped') return;
    this.lastEvent = this.clock.now();
    this.touch();
    if (phase === 'ERROR') {
      const status = isRecord(obj) ? obj : {};
      safeLog(this.logger, 'warn', 'watch ERROR event', { informer: this.name, statusCode: status.code, reason: status.reason });
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- watch events of this informer's path are T
      const r: unknown = cb(phase, phase === 'ERROR' ? obj : sanitizeObject(this.opts.transform && obj ? this.opts.transform(obj as T) : obj), raw);
      if (r instanceof Promise) r.catch((e: unknown) => this.logHandlerError('watch event', e));
    } catch (e) {
      this.logHandlerError('watch event', e);
    }
  }

  private onWatchDone(s: WatchSession, err: unknown): void {
    if (s.ended) return;
    s.ended = true;
    if (this.session === s) this.session = undefined;
    if (this.state === 'stopped') return;
    const lifetimeMs = s.openedAt === undefined ? 0 : this.now() - s.openedAt;
    if (lifetimeMs >= this.cfg.healthyResetMs) this.failures = 0;
    const clean = err === null || err === undefined || isGone(err);
    if (clean && lifetimeMs < this.cfg.minWatchDurationMs) this.reconnectDelayMs = this.nextDelay();
    this.state = 'reconnecting';
    this.handOver(s, err);
  }

  /** Gives a finished watch back to ListWatch (which re-lists on 410, re-watches, or reports 'error'). */
  private handOver(s: WatchSession, err: unknown): void {
    try {
      const r: unknown = s.done(err ?? null);
      if (r instanceof Promise) r.catch((e: unknown) => this.onFailure(e));
    } catch (e) {
      this.onFailure(e);
    }
  }

  private abandonSession(): void {
    const s = this.session;
    this.session = undefined;
    if (s === undefined || s.ended) return;
    s.ended = true;
    s.controller?.abort();
  }

  private onFailure(err: unknown): void {
    if (this.state === 'stopped' || this.restartTimer !== undefined) return;
    this.state = 'backoff';
    this.reconnectDelayMs = 0; // superseded by this restart delay
    const delayMs = this.nextDelay();
    safeLog(this.logger, 'warn', 'informer failed; restarting after backoff', { informer: this.name, delayMs, ...describeError(err) });
    this.restartTimer = this.scheduler.setTimeout(() => {
      this.restartTimer = undefined;
      this.restartCount++;
      this.kick();
    }, delayMs);
  }

  private nextDelay(): number {
    return backoffDelay(this.failures++, { baseMs: this.cfg.restartBaseMs, capMs: this.cfg.restartMaxMs, jitter: 'equal', rand: this.rand });
  }

  private scheduleWatchdog(): void {
    const period = Math.max(10, Math.floor(this.cfg.watchdogMs / 4));
    this.watchdogTimer = this.scheduler.setTimeout(() => {
      this.checkWatchdog();
      if (this.state !== 'stopped') this.scheduleWatchdog();
    }, period);
  }

  private checkWatchdog(): void {
    if (this.state === 'stopped' || this.state === 'backoff' || this.state === 'listing') return;
    const idleMs = this.now() - this.lastActivityMs;
    if (idleMs < this.cfg.watchdogMs) return;
    safeLog(this.logger, 'warn', 'no watch event within the watchdog period; restarting the watch', { informer: this.name, idleMs });
    this.restartCount++;
    this.touch();
    const s = this.session;
    if (s !== undefined && !s.ended) {
      this.abandonSession();
      this.state = 'reconnecting';
      this.handOver(s, null); // ListWatch re-watches from its last resourceVersion (410 -> relist)
    } else {
      this.abandonSession();
      this.kick();
    }
  }

  private markSynced(): void {
    if (this.isSynced) return;
    this.isSynced = true;
    this.resolveSyncWaiters(true);
  }

  private resolveSyncWaiters(v: boolean): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w(v);
  }

  private dispatch(event: InformerEvent, obj: T): void {
    this.updateIndexes(event, obj);
    if (this.state === 'stopped') return;
    for (const h of this.handlers[event].slice()) {
      try {
        h(obj);
      } catch (e) {
        this.logHandlerError(event, e);
      }
    }
  }

  private logHandlerError(event: string, e: unknown): void {
    safeLog(this.logger, 'error', 'informer handler threw', { informer: this.name, event, ...describeError(e) });
  }

  private updateIndexes(event: InformerEvent, obj: T): void {
    if (this.indexByValue.size === 0) return;
    const key = keyOf(obj.metadata?.namespace, obj.metadata?.name ?? '');
    for (const [indexName, indexer] of Object.entries(this.indexers)) {
      const byValue = this.indexByValue.get(indexName) ?? new Map<string, Set<string>>();
      const values = this.indexedValues.get(indexName) ?? new Map<string, readonly string[]>();
      for (const v of values.get(key) ?? []) {
        const set = byValue.get(v);
        set?.delete(key);
        if (set?.size === 0) byValue.delete(v);
      }
      values.delete(key);
      if (event === 'delete') continue;
      let next: readonly string[] = [];
      try {
        next = indexer(obj);
      } catch (e) {
        this.logHandlerError(`indexer ${indexName}`, e);
      }
      if (next.length === 0) continue;
      values.set(key, next);
      for (const v of next) {
        let set = byValue.get(v);
        if (set === undefined) byValue.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }
}
