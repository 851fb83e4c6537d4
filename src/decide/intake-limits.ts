/**
 * Limits of the Alertmanager intake (pure state machines; time is passed in):
 *  - SenderRateLimiter: a token bucket per sender (the peer address): `burst` requests at once, refilled at
 *    `perMinute`. Beyond it: 429 with Retry-After, before the body is read.
 *  - CreationBudget: at most `perMinute` Incidents created in any sliding 60 s window, across all senders.
 *    Alerts beyond it are grouped into the open Incident of the same target, or answered 429.
 */
export interface SenderLimits {
  /** Sustained requests per minute per sender (0: every request refused). */
  readonly perMinute: number;
  /** Requests a sender may make at once. */
  readonly burst: number;
  /** Senders remembered at most (the least recently seen are forgotten first). Default 10,000. */
  readonly maxSenders?: number;
}

export type LimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket { tokens: number; at: number }

export class SenderRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxSenders: number;

  constructor(private readonly limits: SenderLimits) {
    this.maxSenders = limits.maxSenders ?? 10_000;
  }

  take(sender: string, now: Date): LimitDecision {
    const t = now.getTime();
    const burst = Math.max(1, this.limits.burst);
    const ratePerMs = this.limits.perMinute / 60_000;
    const old = this.buckets.get(sender);
    let tokens = burst;
    if (old) {
      const elapsed = Math.max(0, t - old.at); // a clock stepping back refills nothing
      tokens = Math.min(burst, old.tokens + elapsed * ratePerMs);
      this.buckets.delete(sender); // re-inserted below: Map order is least recently seen first
    }
    if (tokens >= 1) {
      this.remember(sender, { tokens: tokens - 1, at: t });
      return { allowed: true };
    }
    this.remember(sender, { tokens, at: t });
    if (ratePerMs <= 0) return { allowed: false, retryAfterSeconds: 60 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000)) };
  }

  get size(): number { return this.buckets.size; }

  private remember(sender: string, b: Bucket): void {
    this.buckets.set(sender, b);
    while (this.buckets.size > this.maxSenders) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}

const WindowMs = 60_000;

export class CreationBudget {
  /** Times of creations inside the current window, oldest first. */
  private readonly times: number[] = [];

  constructor(readonly perMinute: number) {}

  private prune(t: number): void {
    while (this.times.length > 0 && t - this.times[0]! >= WindowMs) this.times.shift();
    // A clock stepping back: entries "in the future" still count (fail closed).
  }

  /** Takes one creation if the window has room. */
  tryTake(now: Date): boolean {
    const t = now.getTime();
    this.prune(t);
    if (this.times.length >= this.perMinute) return false;
    this.times.push(t);
    return true;
  }

  /** Gives back the newest creation taken (the create turned out to be a duplicate). */
  refund(): void {
    this.times.pop();
  }

  remaining(now: Date): number {
    this.prune(now.getTime());
    return Math.max(0, this.perMinute - this.times.length);
  }

  /** Seconds until one more creation fits (0 when one fits now). */
  retryAfterSeconds(now: Date): number {
    const t = now.getTime();
    this.prune(t);
    if (this.times.length < this.perMinute) return 0;
    if (this.perMinute <= 0) return 60;
    const oldest = this.times[this.times.length - this.perMinute]!;
    return Math.max(1, Math.ceil((oldest + WindowMs - t) / 1000));
  }
}
