/**
 * Fallback when a notification target cannot be reached — pure.
 *
 * A target is "failing" from its first failed attempt of a streak (`failingSince`) until its next
 * successful delivery. It counts as UNREACHABLE when it has been failing for at least `fallbackAfterMs`
 * (default 2 min), or at once when the failure is permanent (4xx, a bad or missing Secret: retrying cannot
 * help). Then:
 * - the `NotificationsFailing` condition is True (any severity), and clears when no target is unreachable;
 * - for P0/P1 incidents that are still open, once per failing streak of that target: notify the tier's
 *   other targets that are not failing themselves, and every target of the next tier (if there is one) —
 *   "on-call unreachable through <target>".
 */
import type { Severity } from './sla.js';

export const DefaultFallbackAfterMs = 2 * 60_000;

export interface TargetHealth {
  name: string;
  /** Start of the current failure streak (ISO); undefined when the last attempt succeeded. */
  failingSince?: string;
  /** Last failure reason (names the target and the HTTP status / error code only). */
  lastError?: string;
  /** The last failure cannot be fixed by retrying. */
  permanent?: boolean;
  /** When the fallback fired for the current streak (ISO). */
  fellBackAt?: string;
}

export interface FallbackTier {
  level: number;
  targets: string[];
}

export interface FallbackInput {
  severity: Severity;
  resolved: boolean;
  now: Date;
  fallbackAfterMs: number;
  targets: readonly TargetHealth[];
  tiers: readonly FallbackTier[];
}

export interface Unreachable {
  target: string;
  since: string;
  reason: string;
  permanent: boolean;
}

export interface FallbackFire {
  /** The unreachable target that caused this fallback. */
  failedTarget: string;
  /** Its tier (the lowest listing it). */
  tier: number;
  /** Next tier notified, when one exists. */
  nextTier?: number;
  /** Targets to notify, with the tier they belong to. */
  notify: { tier: number; target: string }[];
  reason: string;
}

export interface FallbackDecision {
  unreachable: Unreachable[];
  fire: FallbackFire[];
  /** When a failing target becomes unreachable next (to re-evaluate then). */
  nextCheckAt?: Date;
}

function tierOf(tiers: readonly FallbackTier[], target: string): number | undefined {
  const levels = tiers.filter((t) => t.targets.includes(target)).map((t) => t.level);
  return levels.length ? Math.min(...levels) : undefined;
}

export function decideFallback(input: FallbackInput): FallbackDecision {
  const nowMs = input.now.getTime();
  const unreachable: Unreachable[] = [];
  const fire: FallbackFire[] = [];
  const pending: number[] = [];
  const failing = new Set(input.targets.filter((t) => t.failingSince !== undefined).map((t) => t.name));
  const urgent = (input.severity === 'P0' || input.severity === 'P1') && !input.resolved;
  const tiers = [...input.tiers].sort((a, b) => a.level - b.level);

  for (const t of input.targets) {
    if (t.failingSince === undefined) continue;
    const since = Date.parse(t.failingSince);
    const at = Number.isFinite(since) ? since + input.fallbackAfterMs : nowMs;
    if (!t.permanent && at > nowMs) { pending.push(at); continue; }
    const reason = t.lastError ?? `target ${t.name} failing`;
    unreachable.push({ target: t.name, since: t.failingSince, reason, permanent: !!t.permanent });
    if (!urgent || t.fellBackAt !== undefined) continue;
    const level = tierOf(tiers, t.name);
    if (level === undefined) continue;
    const same = tiers.find((x) => x.level === level)?.targets.filter((n) => n !== t.name && !failing.has(n)) ?? [];
    const next = tiers.find((x) => x.level > level);
    const notify = [
      ...same.map((target) => ({ tier: level, target })),
      ...(next?.targets ?? []).map((target) => ({ tier: next!.level, target })),
    ];
    const f: FallbackFire = { failedTarget: t.name, tier: level, notify, reason };
    if (next) f.nextTier = next.level;
    fire.push(f);
  }
  const decision: FallbackDecision = { unreachable, fire };
  if (pending.length) decision.nextCheckAt = new Date(Math.min(...pending));
  return decision;
}

/**
 * New health of a target after one delivery attempt. Success clears the streak (and the fallback marker);
 * a failure starts a streak at `now` or continues the current one.
 */
export function nextTargetHealth(prev: TargetHealth | undefined, name: string, result: { ok: boolean; retryable: boolean; error?: string }, now: Date): TargetHealth {
  if (result.ok) return { name };
  const h: TargetHealth = { name, failingSince: prev?.failingSince ?? now.toISOString(), lastError: result.error ?? 'delivery failed' };
  if (!result.retryable) h.permanent = true;
  if (prev?.fellBackAt) h.fellBackAt = prev.fellBackAt;
  return h;
}
