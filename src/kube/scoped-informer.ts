/**
 * Namespaced mode: with WATCH_NAMESPACES set, each resource is watched by one informer per watched namespace
 * (`/apis/apps/v1/namespaces/<ns>/deployments`, …) instead of one cluster-wide informer, so the operator
 * needs only a Role per watched namespace (deploy/rbac-namespaced/). Namespaces themselves are cluster-scoped:
 * each watched Namespace object is watched with `fieldSelector=metadata.name=<ns>`, which RBAC authorizes with
 * `resourceNames: [<ns>]` on list/watch — no cluster-wide read of namespaces.
 *
 * ScopedInformer presents the per-namespace informers as one: the same surface the operator reads.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerEvent, InformerHandler, InformerPhase, ResilientInformer } from '../runtime/resilient-informer.js';

/** What the operator uses of an informer (ResilientInformer and ScopedInformer both have it). */
export interface InformerLike<T> {
  readonly name: string;
  readonly synced: boolean;
  readonly phase: InformerPhase;
  readonly lastEventAt: Date | undefined;
  on(event: InformerEvent, fn: InformerHandler<T>): void;
  start(): void;
  stop(): Promise<void>;
  waitForSync(timeoutMs: number): Promise<boolean>;
  list(namespace?: string): readonly T[];
  get(namespace: string, name: string): T | undefined;
  byIndex(indexName: string, value: string): T[];
}

/** The phase that says the most about freshness: any part backing off makes the whole back off. */
const PhaseOrder: readonly InformerPhase[] = ['stopped', 'backoff', 'listing', 'new', 'reconnecting', 'watching'];

export class ScopedInformer<T extends KubernetesObject> implements InformerLike<T> {
  /**
   * @param parts one informer per namespace, keyed by namespace
   * @param clusterScoped the parts watch cluster-scoped objects named like their key (Namespaces)
   */
  constructor(readonly name: string, private readonly parts: ReadonlyMap<string, ResilientInformer<T>>, private readonly clusterScoped = false) {}

  get namespaces(): string[] { return [...this.parts.keys()]; }
  get synced(): boolean { return [...this.parts.values()].every((p) => p.synced); }
  get phase(): InformerPhase {
    const phases = new Set([...this.parts.values()].map((p) => p.phase));
    if (phases.size === 0) return 'watching';
    if (phases.size === 1 && phases.has('stopped')) return 'stopped';
    return PhaseOrder.find((ph) => ph !== 'stopped' && phases.has(ph)) ?? 'watching';
  }
  /** The stalest part's last event (a silent watch anywhere shows). */
  get lastEventAt(): Date | undefined {
    let oldest: Date | undefined;
    for (const p of this.parts.values()) {
      const t = p.lastEventAt;
      if (!t) return undefined;
      if (!oldest || t < oldest) oldest = t;
    }
    return oldest;
  }

  on(event: InformerEvent, fn: InformerHandler<T>): void { for (const p of this.parts.values()) p.on(event, fn); }
  start(): void { for (const p of this.parts.values()) p.start(); }
  async stop(): Promise<void> { await Promise.all([...this.parts.values()].map((p) => p.stop())); }
  async waitForSync(timeoutMs: number): Promise<boolean> {
    const all = await Promise.all([...this.parts.values()].map((p) => p.waitForSync(timeoutMs)));
    return all.every(Boolean);
  }

  list(namespace?: string): readonly T[] {
    if (namespace) {
      if (this.clusterScoped) return [];
      return this.parts.get(namespace)?.list(namespace) ?? [];
    }
    return [...this.parts.values()].flatMap((p) => [...p.list()]);
  }

  get(namespace: string, name: string): T | undefined {
    if (this.clusterScoped) return this.parts.get(name)?.get('', name);
    return this.parts.get(namespace)?.get(namespace, name);
  }

  /** Index values are `namespace/…` (the owner index): served by that namespace's part. */
  byIndex(indexName: string, value: string): T[] {
    const ns = value.slice(0, Math.max(0, value.indexOf('/')));
    return this.parts.get(ns)?.byIndex(indexName, value) ?? [];
  }
}

export interface ScopedInformerSpec<T extends KubernetesObject> {
  name: string;
  /** undefined: one cluster-wide informer. */
  namespaces: readonly string[] | undefined;
  /** Builds one informer; `namespace` undefined = cluster-wide. */
  make(name: string, namespace: string | undefined): ResilientInformer<T>;
  clusterScoped?: boolean;
}

/** One cluster-wide informer, or one per watched namespace behind a ScopedInformer. */
export function scopedInformer<T extends KubernetesObject>(spec: ScopedInformerSpec<T>): InformerLike<T> {
  if (spec.namespaces === undefined) return spec.make(spec.name, undefined);
  const unique = [...new Set(spec.namespaces)];
  return new ScopedInformer<T>(spec.name, new Map(unique.map((ns) => [ns, spec.make(`${spec.name}/${ns}`, ns)])), spec.clusterScoped === true);
}
