/**
 * Delivery order per (incident, target) — pure.
 *
 * The outbox of one Incident lists its notifications in creation order (enqueue appends; bounding keeps
 * the relative order). For each target only the OLDEST non-terminal entry may be sent ("head of line"):
 * a later notification waits until the earlier one is Delivered, Failed or Superseded. So a target never
 * sees a resolve or an acknowledge before the trigger that precedes it, and a de-duplicating receiver sees
 * notifications in creation order.
 *
 * One collapse, for pager targets only (PagerDuty): when a resolve is pending and NOTHING earlier for that
 * target was ever attempted (every earlier entry Pending with zero attempts), the never-sent triggers /
 * acknowledges and the resolve are all Superseded: the incident is over and nobody should be paged for it.
 * As soon as one attempt was made (it may have reached the receiver even when it timed out) everything is
 * sent in order: trigger, then resolve — a page that might exist is always closed.
 * Change events are never collapsed or blocking-collapsed (they are timeline facts).
 */

export type OrderState = 'Pending' | 'Delivered' | 'Failed' | 'Superseded';

export interface OrderedEntry {
  key: string;
  target: string;
  kind: string;
  state: string;
  attempts: number;
  /** ISO time before which a Pending entry is not retried. */
  nextAttemptAt?: string;
}

export interface DeliveryPlan {
  /** Keys to send now, at most one per target, in outbox (creation) order. */
  send: string[];
  /** Keys to mark Superseded (never sent). */
  supersede: string[];
  /** Keys waiting behind an earlier entry of the same target (for status / debugging). */
  blocked: string[];
}

const TERMINAL = new Set(['Delivered', 'Failed', 'Superseded']);
const COLLAPSIBLE_BEFORE_RESOLVE = new Set(['opened', 'escalated', 'phase-changed', 'acknowledged']);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

function dueAt(e: OrderedEntry, nowMs: number): boolean {
  if (e.nextAttemptAt === undefined) return true;
  const at = Date.parse(e.nextAttemptAt);
  return !Number.isFinite(at) || at <= nowMs;
}

/** Keys of the never-attempted entries a pending resolve supersedes for one pager target (with the resolve). */
function collapsible(entries: readonly OrderedEntry[]): string[] {
  const resolveIdx = entries.findIndex((e) => e.kind === 'resolved' && e.state === 'Pending' && e.attempts === 0);
  if (resolveIdx < 0) return [];
  const before = entries.slice(0, resolveIdx).filter((e) => e.kind !== 'change');
  if (before.length === 0) return [];
  const untouched = before.every((e) => (e.state === 'Pending' && e.attempts === 0 && COLLAPSIBLE_BEFORE_RESOLVE.has(e.kind)) || e.state === 'Superseded');
  if (!untouched) return [];
  return [...before.filter((e) => e.state === 'Pending').map((e) => e.key), entries[resolveIdx]!.key];
}

/**
 * What to do now with an Incident's outbox. `isPager(target)` says which targets are pagers (collapse
 * applies to them only); entries must be in creation order (the outbox order).
 */
export function planDelivery(outbox: readonly OrderedEntry[], now: Date, isPager: (target: string) => boolean = () => false): DeliveryPlan {
  const nowMs = now.getTime();
  const byTarget = new Map<string, OrderedEntry[]>();
  for (const e of outbox) {
    const list = byTarget.get(e.target) ?? [];
    list.push(e);
    byTarget.set(e.target, list);
  }
  const supersede = new Set<string>();
  const heads = new Set<string>();
  const blocked: string[] = [];
  for (const [target, entries] of byTarget) {
    if (isPager(target)) for (const k of collapsible(entries)) supersede.add(k);
    let headSeen = false;
    for (const e of entries) {
      if (isTerminal(e.state) || supersede.has(e.key)) continue;
      if (headSeen) { blocked.push(e.key); continue; }
      headSeen = true;
      if (dueAt(e, nowMs)) heads.add(e.key);
    }
  }
  return {
    send: outbox.filter((e) => heads.has(e.key)).map((e) => e.key),
    supersede: outbox.filter((e) => supersede.has(e.key)).map((e) => e.key),
    blocked,
  };
}

/**
 * Milliseconds until the next head-of-line entry is due (0 = now); undefined when nothing can be sent.
 * Entries blocked behind an earlier one do not count: they become heads only after a delivery result.
 */
export function nextDeliveryWakeup(outbox: readonly OrderedEntry[], now: Date, isPager?: (target: string) => boolean): number | undefined {
  const plan = planDelivery(outbox, now, isPager);
  if (plan.send.length > 0 || plan.supersede.length > 0) return 0;
  const nowMs = now.getTime();
  let best: number | undefined;
  const seen = new Set<string>();
  for (const e of outbox) {
    if (isTerminal(e.state) || seen.has(e.target)) continue;
    seen.add(e.target);
    const at = e.nextAttemptAt === undefined ? nowMs : Date.parse(e.nextAttemptAt);
    const wait = Number.isFinite(at) ? Math.max(0, at - nowMs) : 0;
    if (best === undefined || wait < best) best = wait;
  }
  return best;
}
