/**
 * Exponential backoff: attempt n (0-based) has a ceiling of min(cap, base * factor^n); the jitter
 * mode picks the actual delay below that ceiling.
 *  - 'none':  the ceiling itself (deterministic)
 *  - 'full':  uniform in [0, ceiling)               (AWS "full jitter")
 *  - 'equal': ceiling/2 + uniform in [0, ceiling/2) (AWS "equal jitter": never below half)
 * `rand` is injectable (must return [0, 1), like Math.random) so tests are deterministic.
 */

export type Jitter = 'none' | 'full' | 'equal';

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Growth factor per attempt, default 2. */
  factor?: number;
  /** Default 'none'. */
  jitter?: Jitter;
  /** Default Math.random. */
  rand?: () => number;
}

function validate(opts: BackoffOptions): void {
  if (!(opts.baseMs > 0) || !Number.isFinite(opts.baseMs)) throw new RangeError(`backoff baseMs must be > 0, got ${opts.baseMs}`);
  if (!(opts.capMs >= opts.baseMs) || !Number.isFinite(opts.capMs)) {
    throw new RangeError(`backoff capMs must be finite and >= baseMs, got ${opts.capMs}`);
  }
  if (opts.factor !== undefined && !(opts.factor >= 1)) throw new RangeError(`backoff factor must be >= 1, got ${opts.factor}`);
}

/** The un-jittered ceiling for a 0-based attempt. */
export function backoffCeiling(attempt: number, opts: BackoffOptions): number {
  validate(opts);
  const n = Math.max(0, Math.floor(attempt));
  const factor = opts.factor ?? 2;
  // base * factor^n, computed without overflowing to Infinity/NaN for huge n
  const exp = factor === 1 ? 0 : Math.min(n, Math.ceil(Math.log(opts.capMs / opts.baseMs) / Math.log(factor)) + 1);
  return Math.min(opts.capMs, opts.baseMs * factor ** exp);
}

/** The jittered delay in whole milliseconds for a 0-based attempt. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const ceiling = backoffCeiling(attempt, opts);
  const r = clampUnit((opts.rand ?? Math.random)());
  switch (opts.jitter ?? 'none') {
    case 'none':
      return Math.round(ceiling);
    case 'full':
      return Math.floor(ceiling * r);
    case 'equal':
      return Math.floor(ceiling / 2 + (ceiling / 2) * r);
  }
}

function clampUnit(r: number): number {
  if (!Number.isFinite(r) || r < 0) return 0;
  return r >= 1 ? 0.999999 : r;
}

/** Stateful helper: next() returns the delay for the current attempt and increments it. */
export class Backoff {
  private attempts = 0;

  constructor(private readonly opts: BackoffOptions) {
    validate(opts);
  }

  next(): number {
    return backoffDelay(this.attempts++, this.opts);
  }

  reset(): void {
    this.attempts = 0;
  }

  get attempt(): number {
    return this.attempts;
  }
}
