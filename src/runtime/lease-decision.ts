/**
 * Pure leader-election policy on a coordination.k8s.io/v1 Lease (no I/O, no client-node import):
 * given the lease as last read, our identity and `now`, decide what to write.
 *
 * Dates: client-node 1.4.0 does not know the `V1MicroTime` type at (de)serialisation time, so a Lease
 * read from the API carries `renewTime`/`acquireTime` as RFC 3339 *strings* even though the typings
 * say `V1MicroTime` (a Date subclass). parseKubeTime() accepts both.
 */
import { parseTime } from '../decide/time.js';

export interface LeaseSpecLike {
  holderIdentity?: string | null;
  renewTime?: Date | string | null;
  acquireTime?: Date | string | null;
  leaseDurationSeconds?: number | null;
  leaseTransitions?: number | null;
}

export interface LeaseLike {
  metadata?: { resourceVersion?: string | null } | null;
  spec?: LeaseSpecLike | null;
}

export interface LeaseDecisionConfig {
  /** Duration we write into the lease when we take or renew it. */
  leaseDurationSeconds: number;
}

export interface DesiredLeaseSpec {
  holderIdentity: string;
  acquireTime: Date;
  renewTime: Date;
  leaseDurationSeconds: number;
  leaseTransitions: number;
}

export const LeaseActionCreate = 'create';
export const LeaseActionAcquire = 'acquire';
export const LeaseActionRenew = 'renew';
export const LeaseActionWait = 'wait';

export type LeaseAction =
  /** No Lease object exists: create it, holding it. */
  | { kind: typeof LeaseActionCreate; spec: DesiredLeaseSpec }
  /** The lease is free or expired: take it over (transitions + 1). */
  | { kind: typeof LeaseActionAcquire; spec: DesiredLeaseSpec; previousHolder?: string }
  /** We hold it: refresh renewTime, keep acquireTime and transitions. */
  | { kind: typeof LeaseActionRenew; spec: DesiredLeaseSpec }
  /** Someone else holds a valid lease: do nothing until it expires. */
  | { kind: typeof LeaseActionWait; holder: string; expiresAt: Date };

/** Date | RFC 3339 string -> Date; undefined for missing or unparseable values (the one parser, decide/time.ts). */
export const parseKubeTime = parseTime;

function holderOf(lease: LeaseLike | undefined): string | undefined {
  const h = lease?.spec?.holderIdentity;
  return typeof h === 'string' && h !== '' ? h : undefined;
}

/**
 * When the current holder's claim ends: renewTime + leaseDurationSeconds (the holder's own duration,
 * else `fallbackSeconds`). undefined when nobody holds the lease; epoch 0 when held without a
 * parseable renewTime (such a claim cannot be proven valid, so it counts as expired).
 */
export function leaseExpiresAt(lease: LeaseLike | undefined, fallbackSeconds: number): Date | undefined {
  if (holderOf(lease) === undefined) return undefined;
  const renew = parseKubeTime(lease?.spec?.renewTime);
  if (renew === undefined) return new Date(0);
  const raw = lease?.spec?.leaseDurationSeconds;
  const seconds = typeof raw === 'number' && raw > 0 ? raw : fallbackSeconds;
  return new Date(renew.getTime() + seconds * 1000);
}

/** The current holder if its claim is still valid at `now`. */
export function validHolder(lease: LeaseLike | undefined, now: Date, fallbackSeconds: number): string | undefined {
  const holder = holderOf(lease);
  const expiresAt = leaseExpiresAt(lease, fallbackSeconds);
  if (holder === undefined || expiresAt === undefined) return undefined;
  return expiresAt.getTime() < now.getTime() ? undefined : holder;
}

function transitionsOf(lease: LeaseLike | undefined): number {
  const t = lease?.spec?.leaseTransitions;
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 ? Math.floor(t) : 0;
}

export function decideLeaseAction(
  lease: LeaseLike | undefined,
  identity: string,
  now: Date,
  cfg: LeaseDecisionConfig,
): LeaseAction {
  if (identity === '') throw new Error('leader election identity must not be empty');
  if (!(cfg.leaseDurationSeconds >= 1)) throw new RangeError('leaseDurationSeconds must be >= 1');
  const at = new Date(now.getTime());
  const desired = (acquireTime: Date, leaseTransitions: number): DesiredLeaseSpec => ({
    holderIdentity: identity,
    acquireTime,
    renewTime: at,
    leaseDurationSeconds: Math.ceil(cfg.leaseDurationSeconds),
    leaseTransitions,
  });

  if (lease === undefined) return { kind: LeaseActionCreate, spec: desired(at, 0) };

  const holder = holderOf(lease);
  if (holder === identity) {
    // Ours, even if it lapsed meanwhile (nobody took it, or the holder would differ): renew.
    return { kind: LeaseActionRenew, spec: desired(parseKubeTime(lease.spec?.acquireTime) ?? at, transitionsOf(lease)) };
  }
  if (holder !== undefined) {
    const expiresAt = leaseExpiresAt(lease, cfg.leaseDurationSeconds) ?? new Date(0);
    if (expiresAt.getTime() >= at.getTime()) return { kind: LeaseActionWait, holder, expiresAt };
    return { kind: LeaseActionAcquire, spec: desired(at, transitionsOf(lease) + 1), previousHolder: holder };
  }
  return { kind: LeaseActionAcquire, spec: desired(at, transitionsOf(lease) + 1) };
}

/**
 * The spec a leader writes when it steps down gracefully: no holder, a 1 s duration so that
 * candidates relying on duration take over at once, transitions unchanged.
 */
export function releasedLeaseSpec(
  lease: LeaseLike | undefined,
  now: Date,
): { holderIdentity: null; leaseDurationSeconds: 1; renewTime: Date; acquireTime: Date; leaseTransitions: number } {
  return {
    holderIdentity: null,
    leaseDurationSeconds: 1,
    renewTime: new Date(now.getTime()),
    acquireTime: new Date(now.getTime()),
    leaseTransitions: transitionsOf(lease),
  };
}
