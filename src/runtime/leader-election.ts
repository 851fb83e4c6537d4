/**
 * Leader election on a coordination.k8s.io/v1 Lease, modelled on client-go's leaderelection:
 * lease 15 s, renew deadline 10 s, retry period 2 s. The policy is the pure decideLeaseAction()
 * (lease-decision.ts); this file does the I/O and the timers.
 *
 * - Candidates read the lease every retry period (jittered) and take it when it is free or expired.
 * - The leader renews every retry period from its last written copy (optimistic concurrency through
 *   metadata.resourceVersion; on 409 it re-reads and decides again once).
 * - Fencing by timer: each successful renew arms a timer at `sentAt + renewDeadline - stepDownMargin`.
 *   If no later renew succeeds before it fires, onStoppedLeading() is called: a hung or slow request
 *   cannot keep us leader. A renew whose response arrives after that point does not count.
 * - After losing the lease the elector keeps campaigning; onStartedLeading may fire again.
 * - stop() calls onStoppedLeading() first, then releases the lease (holder cleared, duration 1 s).
 *
 * client-node 1.4.0 specifics: Lease times must be sent as `V1MicroTime` (6 fractional digits; a plain
 * Date serialises with 3, which the API server's MicroTime parser rejects), and times read back are
 * strings (V1MicroTime is not in the serializer's type map), handled by parseKubeTime().
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type CoordinationV1Api, Observable, type RequestContext, type ResponseContext, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { type Clock, type RuntimeLogger, type Scheduler, type TimerHandle, safeLog, stderrLogger, systemClock, systemScheduler, withTimeout } from './clock.js';
import { describeError, isAlreadyExists, isConflict, isNotFound } from './kube-errors.js';
import { type DesiredLeaseSpec, decideLeaseAction, LeaseActionCreate, LeaseActionWait, releasedLeaseSpec, validHolder } from './lease-decision.js';

export interface LeaseClient {
  readonly namespace: string;
  readonly name: string;
  /** undefined when the Lease does not exist. */
  get(): Promise<V1Lease | undefined>;
  create(lease: V1Lease): Promise<V1Lease>;
  /** PUT; must carry metadata.resourceVersion (409 on conflict). */
  replace(lease: V1Lease): Promise<V1Lease>;
}

/** A client-node middleware that aborts a request after `ms` (client-node has no request timeout). */
function timeoutMiddleware(ms: number): { pre(ctx: RequestContext): Observable<RequestContext>; post(ctx: ResponseContext): Observable<ResponseContext> } {
  return {
    pre: (ctx) => {
      ctx.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx) => new Observable(Promise.resolve(ctx)),
  };
}

export function coordinationLeaseClient(api: CoordinationV1Api, namespace: string, name: string, requestTimeoutMs = 5_000): LeaseClient {
  const options = { middleware: [timeoutMiddleware(requestTimeoutMs)], middlewareMergeStrategy: 'append' as const };
  return {
    namespace,
    name,
    async get() {
      try {
        return await api.readNamespacedLease({ name, namespace }, options);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    create: (body) => api.createNamespacedLease({ namespace, body }, options),
    replace: (body) => api.replaceNamespacedLease({ name, namespace, body }, options),
  };
}

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface LeaderElectionOptions {
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Bound on one acquire/renew attempt (all its requests). Default renewDeadline / 2. */
  attemptTimeoutMs?: number;
  /** Step down this long before the renew deadline. Default min(1 s, retryPeriod / 2). */
  stepDownMarginMs?: number;
  onStartedLeading?: () => void | Promise<void>;
  onStoppedLeading?: () => void | Promise<void>;
  /** Called when the observed valid holder changes (undefined: nobody). */
  onNewLeader?: (identity: string | undefined) => void;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: RuntimeLogger;
  rand?: () => number;
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`lease attempt timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly marginMs: number;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly logger: RuntimeLogger;
  private readonly rand: () => number;

  private leading = false;
  private started = false;
  private stopped = false;
  private observed: V1Lease | undefined;
  private knownLeader: string | undefined;
  private attempt = 0;
  private busy = false;
  private tickTimer: TimerHandle | undefined;
  private stepDownTimer: TimerHandle | undefined;

  constructor(
    private readonly client: LeaseClient,
    private readonly opts: LeaderElectionOptions = {},
  ) {
    this.identity = opts.identity ?? defaultIdentity();
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? Math.floor(this.renewDeadlineMs / 2);
    this.marginMs = opts.stepDownMarginMs ?? Math.min(1_000, Math.floor(this.retryMs / 2));
    if (this.identity === '') throw new Error('identity must not be empty');
    if (!(this.leaseMs >= 1_000)) throw new RangeError('leaseDurationMs must be >= 1000 (the Lease stores whole seconds)');
    if (!(this.leaseMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryMs && this.retryMs > 0)) {
      throw new RangeError('need leaseDurationMs > renewDeadlineMs > retryPeriodMs > 0');
    }
    if (!(this.marginMs >= 0 && this.marginMs < this.renewDeadlineMs)) throw new RangeError('stepDownMarginMs must be in [0, renewDeadlineMs)');
    if (!(this.attemptTimeoutMs > 0 && this.attemptTimeoutMs <= this.renewDeadlineMs)) throw new RangeError('attemptTimeoutMs must be in (0, renewDeadlineMs]');
    this.clock = opts.clock ?? systemClock;
    this.scheduler = opts.scheduler ?? systemScheduler;
    this.logger = opts.logger ?? stderrLogger;
    this.rand = opts.rand ?? Math.random;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** True when we lead or have observed another holder whose lease is still valid. */
  leaderKnown(): boolean {
    return this.currentLeader() !== undefined;
  }

  currentLeader(): string | undefined {
    if (this.leading) return this.identity;
    return validHolder(this.observed, this.clock.now(), this.leaseSeconds());
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.scheduleTick(0);
  }

  /** Stops campaigning; if leading, calls onStoppedLeading and then releases the lease. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.scheduler.clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    const wasLeading = this.leading;
    this.stepDown('stopping');
    if (!wasLeading) return;
    try {
      await this.withTimeout(this.release());
    } catch (e) {
      safeLog(this.logger, 'warn', 'failed to release the lease; it will expire', { lease: this.leaseName(), ...describeError(e) });
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  private leaseSeconds(): number {
    return Math.ceil(this.leaseMs / 1000);
  }

  private leaseName(): string {
    return `${this.client.namespace}/${this.client.name}`;
  }

  private scheduleTick(ms: number): void {
    if (this.stopped) return;
    this.scheduler.clearTimeout(this.tickTimer);
    this.tickTimer = this.scheduler.setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.tickTimer = undefined;
    if (this.stopped) return;
    if (!this.busy) {
      const attempt = ++this.attempt;
      this.busy = true;
      try {
        await this.withTimeout(this.tryAcquireOrRenew(attempt));
      } catch (e) {
        if (attempt === this.attempt && !this.stopped) {
          safeLog(this.logger, 'warn', this.leading ? 'failed to renew the lease' : 'failed to acquire the lease', {
            lease: this.leaseName(),
            ...describeError(e),
          });
        }
      } finally {
        this.busy = false;
      }
    }
    const jitter = this.leading ? 0 : Math.floor(this.retryMs * 0.2 * this.rand());
    this.scheduleTick(this.retryMs + jitter);
  }

  private isStale(attempt: number): boolean {
    return attempt !== this.attempt || this.stopped;
  }

  private async tryAcquireOrRenew(attempt: number): Promise<void> {
    let lease = this.leading && this.observed !== undefined ? this.observed : await this.client.get();
    for (let pass = 0; ; pass++) {
      if (this.isStale(attempt)) return;
      const now = this.clock.now();
      const action = decideLeaseAction(lease, this.identity, now, { leaseDurationSeconds: this.leaseSeconds() });
      if (action.kind === LeaseActionWait) {
        this.observe(lease);
        this.stepDown(`lease held by ${action.holder}`);
        return;
      }
      try {
        const written =
          action.kind === LeaseActionCreate ? await this.client.create(this.leaseBody(undefined, action.spec)) : await this.client.replace(this.leaseBody(lease, action.spec));
        if (this.isStale(attempt)) return;
        this.observe(written);
        this.renewed(now.getTime(), written);
        return;
      } catch (e) {
        if (pass > 0 || this.isStale(attempt) || !(isConflict(e) || isAlreadyExists(e))) throw e;
        lease = await this.client.get(); // someone else wrote it: re-read and decide again
      }
    }
  }

  private renewed(sentAtMs: number, written: V1Lease): void {
    const fireAt = sentAtMs + this.renewDeadlineMs - this.marginMs;
    const remaining = fireAt - this.clock.now().getTime();
    if (remaining <= 0) {
      this.stepDown('renew response arrived after the renew deadline');
      return;
    }
    this.scheduler.clearTimeout(this.stepDownTimer);
    this.stepDownTimer = this.scheduler.setTimeout(() => {
      this.stepDownTimer = undefined;
      this.stepDown(`lease not renewed within ${this.renewDeadlineMs} ms`);
    }, remaining);
    if (this.leading) return;
    this.leading = true;
    safeLog(this.logger, 'info', 'became leader', { lease: this.leaseName(), identity: this.identity, transitions: written.spec?.leaseTransitions ?? 0 });
    this.callback('onStartedLeading', this.opts.onStartedLeading);
  }

  private stepDown(reason: string): void {
    this.scheduler.clearTimeout(this.stepDownTimer);
    this.stepDownTimer = undefined;
    if (!this.leading) return;
    this.leading = false;
    safeLog(this.logger, 'warn', 'stopped leading', { lease: this.leaseName(), identity: this.identity, reason });
    this.callback('onStoppedLeading', this.opts.onStoppedLeading);
    this.notifyLeader();
  }

  private observe(lease: V1Lease | undefined): void {
    this.observed = lease;
    this.notifyLeader();
  }

  private notifyLeader(): void {
    const leader = this.currentLeader();
    if (leader === this.knownLeader) return;
    this.knownLeader = leader;
    if (this.opts.onNewLeader !== undefined) this.callback('onNewLeader', () => this.opts.onNewLeader?.(leader));
  }

  private async release(): Promise<void> {
    let lease = this.observed;
    for (let pass = 0; pass < 2; pass++) {
      if (lease?.spec?.holderIdentity !== this.identity) return;
      try {
        const spec = releasedLeaseSpec(lease, this.clock.now());
        const body = this.leaseBody(lease, { ...spec, holderIdentity: '' });
        delete body.spec?.holderIdentity; // omitted in a PUT = no holder
        this.observe(await this.client.replace(body));
        safeLog(this.logger, 'info', 'released the lease', { lease: this.leaseName(), identity: this.identity });
        return;
      } catch (e) {
        if (pass > 0 || !isConflict(e)) throw e;
        lease = await this.client.get(); // a renew in flight may have bumped resourceVersion
      }
    }
  }

  private leaseBody(current: V1Lease | undefined, spec: DesiredLeaseSpec): V1Lease {
    const { managedFields: _dropped, ...metadata } = current?.metadata ?? { name: this.client.name, namespace: this.client.namespace };
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...metadata, name: this.client.name, namespace: this.client.namespace },
      spec: {
        ...current?.spec,
        holderIdentity: spec.holderIdentity,
        leaseDurationSeconds: spec.leaseDurationSeconds,
        leaseTransitions: spec.leaseTransitions,
        acquireTime: new V1MicroTime(spec.acquireTime.getTime()),
        renewTime: new V1MicroTime(spec.renewTime.getTime()),
      },
    };
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.attemptTimeoutMs, this.scheduler, () => new AttemptTimeout(this.attemptTimeoutMs));
  }

  private callback(name: string, fn: (() => void | Promise<void>) | undefined): void {
    if (fn === undefined) return;
    const onError = (e: unknown): void => safeLog(this.logger, 'error', `${name} callback threw`, { lease: this.leaseName(), ...describeError(e) });
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(onError);
    } catch (e) {
      onError(e);
    }
  }
}
