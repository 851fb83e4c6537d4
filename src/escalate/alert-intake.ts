/**
 * Alertmanager intents → Incidents. A firing alert creates the Incident under a deterministic name
 * (de-duplicated by fingerprint: a repeat only records "last seen"); a resolved alert is recorded and,
 * when configured, resolves the Incident. Alerts without a `deployment` label cannot satisfy the runbooks
 * that need a target: they are logged and create nothing.
 *
 * Creating is capped (CreationBudget, ALERTMANAGER_INCIDENTS_PER_MINUTE): an alert beyond the cap is grouped
 * into the open Incident of the same target (annotation `runbook.dev/alerts-grouped` counts them), and when
 * there is none it is deferred — the handler answers 429 with Retry-After and Alertmanager sends it again.
 * An alert-created Incident asks for a diagnosis only: acting on the target needs the owner's opt-in label
 * (src/decide/remediation-consent.ts), checked where the operator acts, never here.
 */
import { GROUP, INCIDENT_KIND, VERSION, type Incident } from '../api/incident.js';
import { Annotation, Label } from '../api/reasons.js';
import type { OperatorConfig } from '../config.js';
import { CreationBudget, SenderRateLimiter } from '../decide/intake-limits.js';
import { namespaceInScope } from '../decide/remediation-consent.js';
import type { IncidentIntent } from '../intake/alertmanager.js';
import { createAlertmanagerHandler, type AlertmanagerHandler, type IntakeOutcome } from '../intake/alertmanager-http.js';
import { systemClock } from '../runtime/clock.js';
import type { IncidentClient } from '../kube/incident-client.js';
import type { Logger } from '../log.js';
import { isAlreadyExists, isNotFound } from '../runtime/kube-errors.js';

export const AlertAnnotation = {
  fingerprint: Annotation.alertFingerprint,
  lastSeen: Annotation.alertLastSeen,
  resolvedAt: Annotation.alertResolvedAt,
  grouped: Annotation.alertsGrouped,
  lastGrouped: Annotation.alertLastGrouped,
} as const;

/** The part of the Incident cache the intake reads. */
export interface IncidentCache {
  get(namespace: string, name: string): Incident | undefined;
  list(namespace: string): readonly Incident[];
}

export interface OpenIncidentRef {
  name: string;
  /** Alerts already grouped into it (its `runbook.dev/alerts-grouped` annotation). */
  grouped: number;
}

export interface ApplyAlertOptions {
  resolveOnAlertResolved: boolean;
  log: Logger;
  now: () => Date;
  /** The intake's creation cap; without it every alert may create its Incident. */
  budget?: CreationBudget;
  /** Does an Incident of this name exist (cache)? Then a repeat only records "last seen", with no budget used. */
  exists?: (namespace: string, name: string) => boolean;
  /** The open (not Resolved/Failed) Incident targeting this Deployment, from the cache. */
  openIncidentOf?: (namespace: string, deployment: string) => OpenIncidentRef | undefined;
}

/** The open Incident of a target among cached Incidents (the oldest when there are several). */
export function findOpenIncident(incidents: readonly Incident[], deployment: string): OpenIncidentRef | undefined {
  const open = incidents
    .filter((i) => i.spec?.target?.name === deployment && i.status?.phase !== 'Resolved' && i.status?.phase !== 'Failed')
    .sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || a.metadata.name.localeCompare(b.metadata.name));
  const first = open[0];
  if (!first) return undefined;
  const grouped = Number(first.metadata.annotations?.[AlertAnnotation.grouped] ?? 0);
  return { name: first.metadata.name, grouped: Number.isSafeInteger(grouped) && grouped >= 0 ? grouped : 0 };
}

export async function applyAlertIntents(
  incidents: IncidentClient,
  intents: readonly IncidentIntent[],
  opts: ApplyAlertOptions,
): Promise<IntakeOutcome> {
  const stamp = () => opts.now().toISOString();
  const createdNow = new Map<string, string>(); // namespace/deployment → Incident created in this call
  const groups = new Map<string, { namespace: string; name: string; count: number; base: number; lastKey: string }>();
  let deferred = 0;
  let grouped = 0;
  let created = 0;
  let repeated = 0;

  const touch = (namespace: string, name: string) =>
    incidents.patchMetadataAndSpec(namespace, name, { metadata: { annotations: { [AlertAnnotation.lastSeen]: stamp() } } });

  for (const intent of intents) {
    if (intent.resolved) {
      try {
        await incidents.patchMetadataAndSpec(intent.namespace, intent.name, {
          metadata: { annotations: { [AlertAnnotation.resolvedAt]: intent.endsAt } },
          ...(opts.resolveOnAlertResolved ? { spec: { resolution: { resolvedBy: 'alertmanager', resolvedAt: stamp(), note: 'alert resolved in Alertmanager' } } } : {}),
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      continue;
    }
    if (!intent.target) {
      opts.log.warn('alert without a deployment label: no incident created', { namespace: intent.namespace, alert: intent.name });
      continue;
    }
    if (opts.exists?.(intent.namespace, intent.name)) {
      try { await touch(intent.namespace, intent.name); repeated++; continue; } catch (e) { if (!isNotFound(e)) throw e; /* deleted since: create */ }
    }
    const targetKey = `${intent.namespace}/${intent.target}`;
    if (!opts.budget || opts.budget.tryTake(opts.now())) {
      const body: Incident = {
        apiVersion: `${GROUP}/${VERSION}`, kind: INCIDENT_KIND,
        metadata: {
          name: intent.name, namespace: intent.namespace,
          labels: { [Label.createdBy]: 'alertmanager' },
          annotations: { [AlertAnnotation.fingerprint]: intent.dedupKey, [AlertAnnotation.lastSeen]: stamp() },
        },
        spec: {
          severity: intent.severity,
          summary: intent.summary || 'alert from Alertmanager',
          runbook: intent.runbook === 'CrashLoop' ? 'CrashLoop' : 'APIOutage',
          target: { kind: 'Deployment', name: intent.target },
        },
      };
      try {
        await incidents.create(body);
        created++;
        createdNow.set(targetKey, intent.name);
        opts.log.info('incident opened from alert', { incident: `${intent.namespace}/${intent.name}`, severity: intent.severity });
      } catch (e) {
        if (!isAlreadyExists(e)) { opts.budget?.refund(); throw e; }
        opts.budget?.refund();
        await touch(intent.namespace, intent.name);
        repeated++;
      }
      continue;
    }
    // Over the cap: group into the open Incident of the same target, or defer (429).
    const justCreated = createdNow.get(targetKey);
    const open = justCreated ? { name: justCreated, grouped: 0 } : opts.openIncidentOf?.(intent.namespace, intent.target);
    if (!open) { deferred++; continue; }
    const gk = `${intent.namespace}/${open.name}`;
    const g = groups.get(gk) ?? { namespace: intent.namespace, name: open.name, count: 0, base: open.grouped, lastKey: '' };
    g.count++;
    g.lastKey = intent.dedupKey;
    groups.set(gk, g);
    grouped++;
  }

  // One patch per grouping Incident, however many alerts it took.
  for (const g of groups.values()) {
    try {
      await incidents.patchMetadataAndSpec(g.namespace, g.name, {
        metadata: { annotations: { [AlertAnnotation.grouped]: String(g.base + g.count), [AlertAnnotation.lastGrouped]: g.lastKey, [AlertAnnotation.lastSeen]: stamp() } },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      deferred += g.count; // it went away meanwhile: these alerts have no Incident
      grouped -= g.count;
    }
  }
  if (grouped > 0 || deferred > 0) {
    opts.log.warn('incident creation limit reached', { grouped, deferred, perMinute: opts.budget?.perMinute });
  }
  return {
    ...(created > 0 ? { created } : {}),
    ...(repeated > 0 ? { repeated } : {}),
    ...(grouped > 0 ? { grouped } : {}),
    ...(deferred > 0 ? { deferred, retryAfterSeconds: opts.budget?.retryAfterSeconds(opts.now()) || 1 } : {}),
  };
}

/** The `/alertmanager` handler with the operator's scope, limits and caches wired in. */
export function alertmanagerRoute(config: OperatorConfig, log: Logger, deps: {
  incidents: IncidentClient; cachedIncidents: IncidentCache; token: () => string | undefined; now?: () => Date;
  /** Counts outcomes (incident_operator_intake_alerts_total). */
  count?: (outcome: 'created' | 'repeated' | 'grouped' | 'deferred' | 'rate_limited' | 'refused_namespace', n: number) => void;
}): AlertmanagerHandler {
  const count = (outcome: Parameters<NonNullable<typeof deps.count>>[0], n = 1) => { if (n > 0) deps.count?.(outcome, n); };
  const now = deps.now ?? (() => systemClock.now());
  const senders = new SenderRateLimiter({ perMinute: config.intakeLimits.senderPerMinute, burst: config.intakeLimits.senderBurst });
  const budget = new CreationBudget(config.intakeLimits.incidentsPerMinute);
  const scope = { watchNamespaces: config.watchNamespaces, protectedNamespaces: config.protectedNamespaces };
  return createAlertmanagerHandler({
    token: deps.token,
    rateLimit: (sender) => {
      const d = senders.take(sender, now());
      if (!d.allowed) count('rate_limited');
      return d;
    },
    refuseNamespace: (ns) => {
      const s = namespaceInScope(ns, scope);
      if (s.ok) return undefined;
      count('refused_namespace');
      return s.reason === 'ProtectedNamespace' ? 'protected namespace' : 'namespace not watched by this operator';
    },
    onIntents: async (intents) => {
      const out = await applyAlertIntents(deps.incidents, intents, {
        resolveOnAlertResolved: config.alertmanagerResolvesIncidents, log, now, budget,
        exists: (ns, name) => deps.cachedIncidents.get(ns, name) !== undefined,
        openIncidentOf: (ns, deployment) => findOpenIncident(deps.cachedIncidents.list(ns), deployment),
      });
      count('created', out.created ?? 0);
      count('repeated', out.repeated ?? 0);
      count('grouped', out.grouped ?? 0);
      count('deferred', out.deferred ?? 0);
      return out;
    },
    onError: (e: unknown) => log.error('alertmanager intake failed', { error: e instanceof Error ? e.message : String(e) }),
  });
}
