/**
 * Process seams injected into the controller runtime: time (Clock), timers (Scheduler) and a
 * minimal structural logger (RuntimeLogger). Production code uses `systemClock`/`systemScheduler`;
 * tests use `FakeClock`, which implements both and fires timers only when time is advanced.
 */

export interface Clock {
  now(): Date;
}

/** Opaque timer handle. */
export interface TimerHandle {
  readonly __timer: true;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/**
 * Structural logger: a winston Logger satisfies it. `meta` must never carry secrets, raw SQL or
 * raw log lines (see describeError in kube-errors.ts for error summaries).
 */
export interface RuntimeLogger {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info?(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const systemClock: Clock = { now: () => new Date() };

interface SystemTimer extends TimerHandle {
  readonly timeout: NodeJS.Timeout;
}

function isSystemTimer(h: TimerHandle): h is SystemTimer {
  return 'timeout' in h;
}

export const systemScheduler: Scheduler = {
  setTimeout(fn, ms) {
    const handle: SystemTimer = { __timer: true, timeout: setTimeout(fn, Math.max(0, ms)) };
    return handle;
  },
  clearTimeout(handle) {
    if (handle !== undefined && isSystemTimer(handle)) clearTimeout(handle.timeout);
  },
};

/** Logs warnings and errors to stderr as one JSON line each; drops debug/info. */
export const stderrLogger: RuntimeLogger = {
  warn: (message, meta) => writeStderr('warn', message, meta),
  error: (message, meta) => writeStderr('error', message, meta),
};

function writeStderr(level: string, message: string, meta?: Record<string, unknown>): void {
  try {
    process.stderr.write(`${JSON.stringify({ level, message, ...meta })}\n`);
  } catch {
    // a logger must never throw
  }
}

/** Calls a logger method, swallowing anything a broken logger throws. */
export function safeLog(
  logger: RuntimeLogger,
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  meta?: Record<string, unknown>,
): void {
  try {
    logger[level]?.(message, meta);
  } catch {
    // ignore
  }
}

interface FakeTimer extends TimerHandle {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * Deterministic clock + scheduler for tests. Timers fire only from advance()/advanceAsync(), in
 * due-time order (ties in creation order); a timer created while advancing fires in the same call
 * if it falls due before the target time.
 */
export class FakeClock implements Clock, Scheduler {
  private ms: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start: Date | number = Date.UTC(2024, 0, 1)) {
    this.ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Jumps to `date` without firing timers (time may also go backwards). */
  set(date: Date | number): void {
    this.ms = typeof date === 'number' ? date : date.getTime();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { __timer: true, id: this.nextId++, dueAt: this.ms + Math.max(0, ms), fn };
    this.timers.set(timer.id, timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined && 'id' in handle && typeof handle.id === 'number') this.timers.delete(handle.id);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time (ms since epoch) of the next timer, if any. */
  nextDueAt(): number | undefined {
    return this.nextTimer(Number.POSITIVE_INFINITY)?.dueAt;
  }

  /** Advances time by `ms`, firing due timers synchronously. Returns how many fired. */
  advance(ms: number): number {
    const target = this.ms + ms;
    let fired = 0;
    for (let t = this.nextTimer(target); t !== undefined; t = this.nextTimer(target)) {
      this.fire(t);
      fired++;
    }
    this.ms = Math.max(this.ms, target);
    return fired;
  }

  /** Like advance(), but lets the event loop run (promises, I/O callbacks) after each timer. */
  async advanceAsync(ms: number): Promise<number> {
    const target = this.ms + ms;
    let fired = 0;
    await settle();
    for (let t = this.nextTimer(target); t !== undefined; t = this.nextTimer(target)) {
      this.fire(t);
      fired++;
      await settle();
    }
    this.ms = Math.max(this.ms, target);
    await settle();
    return fired;
  }

  private fire(t: FakeTimer): void {
    this.timers.delete(t.id);
    this.ms = Math.max(this.ms, t.dueAt);
    t.fn();
  }

  private nextTimer(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.dueAt > limit) continue;
      if (best === undefined || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.id < best.id)) best = t;
    }
    return best;
  }
}

/**
 * The one timeout helper: settles like `p`, or rejects with `onTimeout()` (default: Error('timeout'))
 * after `ms` on `scheduler` (default: real timers). `p` keeps running; its late rejection is absorbed.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, scheduler: Scheduler = systemScheduler, onTimeout: () => Error = () => new Error('timeout')): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = scheduler.setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        scheduler.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        scheduler.clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own rejection, passed through unchanged
        reject(e);
      },
    );
  });
}

/** Lets pending promise callbacks and immediates run (a few macrotask turns). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
