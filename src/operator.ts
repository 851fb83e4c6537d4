/**
 * The composition root: the one place that wires informers → caches → work queues → reconcilers and
 * their adapters (diagnosis, remediation, escalation, incident log), leader election and HTTP (health,
 * readiness, metrics, Alertmanager intake). Informer callbacks only enqueue `namespace/name` keys;
 * every decision happens in a reconcile. main.ts only reads configuration and handles signals.
 */
import type * as k8s from '@kubernetes/client-node';
import type http from 'node:http';
import { scopedInformer, type InformerLike } from './kube/scoped-informer.js';
import { GROUP, INCIDENT_PLURAL, VERSION, type Incident } from './api/incident.js';
import type { OperatorConfig } from './config.js';
import type { KubeDeployment, KubeNamespace, KubePod, KubeReplicaSet } from './decide/kube-types.js';
import type { KubeControllerRevision, KubeStatefulSet } from './decide/statefulset-rollback.js';
import { controllerOwnerKey, OWNER_INDEX, type Caches, type PolicyObject, type ReadCache } from './ports/caches.js';
import type { Escalator } from './ports/escalation.js';
import { controllerOwnerName } from './decide/owner-references.js';
import { ownsNamespace, shardLeaseName } from './decide/shard.js';
import { buildEscalator, buildRoutes } from './escalate/wiring.js';
import { openIncidentLog, wireIncidentLog } from './incident-log/open-incident-log.js';
import { CrashLoopDetector } from './controllers/crashloop-detector.js';
import { HealthyRevisionRecorder } from './controllers/healthy-revision-recorder.js';
import { StatefulSetCrashLoopDetector } from './controllers/statefulset-crashloop-detector.js';
import { StatefulSetRevisionRecorder } from './controllers/statefulset-revision-recorder.js';
import { SignalWatcher } from './controllers/signal-watcher.js';
import { SignalEvaluator } from './signals/signal-evaluator.js';
import { incidentSignals } from './signals/incident-signals.js';
import { signalOrigin } from './signals/breach-origin.js';
import { IncidentReconciler } from './controllers/incident-reconciler.js';
import { runDiagnosis } from './diagnose/run-diagnosis.js';
import { GitOpsSuspender } from './remediate/gitops-suspend.js';
import { reportMassFailure } from './remediate/mass-failure.js';
import { checkDatabase } from './diagnose/database-checks.js';
import { KubeEventRecorder } from './kube/event-recorder.js';
import { projectPod } from './kube/pod-projection.js';
import { projectControllerRevision } from './kube/controller-revision-projection.js';
import { IncidentClient } from './kube/incident-client.js';
import type { KubeClients } from './kube/clients.js';
import type { Logger } from './log.js';
import { RunbookRemediator } from './remediate/remediator.js';
import { FastRollback } from './remediate/fast-rollback.js';
import { BlastRadiusLedger } from './decide/blast-radius.js';
import type { Clock } from './runtime/clock.js';
import { systemClock } from './runtime/clock.js';
import { coordinationLeaseClient, LeaderElector } from './runtime/leader-election.js';
import { ResilientInformer } from './runtime/resilient-informer.js';
import { keyOf, WorkQueue } from './runtime/work-queue.js';
import { isNotFound } from './runtime/kube-errors.js';
import { OperatorMetrics } from './server/metrics.js';
import { recordStatusWrite, refreshCacheGauges } from './observability/incident-metrics.js';
import type { Route } from './server/http-server.js';
import { closeListeners, startListeners, type ListenerName } from './server/listeners.js';
import { kubernetesMetricsAuthorizer } from './server/metrics-auth.js';
import { kubernetesReviews } from './kube/access-reviews.js';
import { errorMessage } from './decide/errors.js';

export interface OperatorHandle {
  metrics: OperatorMetrics;
  elector: LeaderElector;
  /** The listeners started (probes, metrics, alertmanager), each only when configured. */
  servers: Partial<Record<ListenerName, http.Server>>;
  caches: Caches;
  stop(): Promise<void>;
}

export interface OperatorOptions {
  config: OperatorConfig;
  log: Logger;
  clients: KubeClients;
  clock?: Clock;
  /** Escalation and notifications (default: the EscalationPolicy escalator; false: none, e.g. benchmarks). */
  escalator?: ((deps: EscalatorFactoryDeps) => Escalator) | false;
  /** Routes of the intake listener (default: the Alertmanager intake). */
  routes?: (deps: { clients: KubeClients; incidents: IncidentClient; caches: Caches; metrics: OperatorMetrics }) => Record<string, Route>;
  /** Called after every Incident status write (default: the durable incident log when configured). */
  onStatusWritten?: (incident: Incident) => void;
  /** Leadership lost: the default exits the process (as controller-runtime does) so nothing acts without the lease. */
  onLostLeadership?: () => void;
}

function runtimeLogger(log: Logger) {
  return {
    debug: (msg: string, meta?: Record<string, unknown>) => log.debug(msg, meta),
    info: (msg: string, meta?: Record<string, unknown>) => log.info(msg, meta),
    warn: (msg: string, meta?: Record<string, unknown>) => log.warn(msg, meta),
    error: (msg: string, meta?: Record<string, unknown>) => log.error(msg, meta),
  };
}

export interface EscalatorFactoryDeps { clients: KubeClients; incidents: IncidentClient; metrics: OperatorMetrics; caches: Caches; clock: Clock }

const ownerName = controllerOwnerName;

export async function startOperator(opts: OperatorOptions): Promise<OperatorHandle> {
  const { config, log, clients } = opts;
  const clock = opts.clock ?? systemClock;
  const rlog = runtimeLogger(log);
  const metrics = new OperatorMetrics();
  const incidentClient = new IncidentClient(clients.custom);

  // client-node's list calls return model classes; the informer needs `{ items: T[] }` of the same path.
  const inf = <T extends k8s.KubernetesObject>(name: string, path: string, list: () => Promise<any>, transform?: (o: T) => T, indexed = false, fieldSelector?: string) => // eslint-disable-line @typescript-eslint/no-explicit-any
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-type-assertion -- the list of `path`
    new ResilientInformer<T>({ name, path, list: list as any, kubeConfig: clients.kc, logger: rlog, watchdogMs: config.watchdogSeconds * 1000, transform, fieldSelector, // eslint-disable-line @typescript-eslint/no-explicit-any
      ...(indexed ? { indexers: { [OWNER_INDEX]: controllerOwnerKey } } : {}) });

  // Namespaced mode (WATCH_NAMESPACES): one informer per watched namespace, so a Role per namespace suffices
  // (deploy/rbac-namespaced/); the watched Namespace objects by name. Cluster-wide informers otherwise.
  const scope = config.watchNamespaces;
  const crd = (plural: string) => (ns?: string) => ns
    ? { path: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}`, list: () => clients.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural }) }
    : { path: `/apis/${GROUP}/${VERSION}/${plural}`, list: () => clients.custom.listCustomObjectForAllNamespaces({ group: GROUP, version: VERSION, plural }) };
  const scoped = <T extends k8s.KubernetesObject>(name: string, namespaces: readonly string[] | undefined, at: (ns?: string) => { path: string; list: () => Promise<unknown> }, transform?: (o: T) => T, indexed = false) =>
    scopedInformer<T>({ name, namespaces, make: (n, ns) => { const a = at(ns); return inf<T>(n, a.path, a.list, transform, indexed); } });

  const incidentsInf = scoped<Incident & k8s.KubernetesObject>('incidents', scope, crd(INCIDENT_PLURAL));
  const deploymentsInf = scoped<k8s.V1Deployment>('deployments', scope, (ns) => ns
    ? { path: `/apis/apps/v1/namespaces/${ns}/deployments`, list: () => clients.apps.listNamespacedDeployment({ namespace: ns }) }
    : { path: '/apis/apps/v1/deployments', list: () => clients.apps.listDeploymentForAllNamespaces() });
  const replicaSetsInf = scoped<k8s.V1ReplicaSet>('replicasets', scope, (ns) => ns
    ? { path: `/apis/apps/v1/namespaces/${ns}/replicasets`, list: () => clients.apps.listNamespacedReplicaSet({ namespace: ns }) }
    : { path: '/apis/apps/v1/replicasets', list: () => clients.apps.listReplicaSetForAllNamespaces() }, undefined, true);
  const podsInf = scoped<k8s.V1Pod>('pods', scope, (ns) => ns
    ? { path: `/api/v1/namespaces/${ns}/pods`, list: () => clients.core.listNamespacedPod({ namespace: ns }) }
    : { path: '/api/v1/pods', list: () => clients.core.listPodForAllNamespaces() }, projectPod, true);
  // StatefulSet targets (issue 15): the StatefulSets and their ControllerRevisions (indexed by owner).
  const statefulSetsInf = scoped<k8s.V1StatefulSet>('statefulsets', scope, (ns) => ns
    ? { path: `/apis/apps/v1/namespaces/${ns}/statefulsets`, list: () => clients.apps.listNamespacedStatefulSet({ namespace: ns }) }
    : { path: '/apis/apps/v1/statefulsets', list: () => clients.apps.listStatefulSetForAllNamespaces() });
  const controllerRevisionsInf = scoped<k8s.V1ControllerRevision>('controllerrevisions', scope, (ns) => ns
    ? { path: `/apis/apps/v1/namespaces/${ns}/controllerrevisions`, list: () => clients.apps.listNamespacedControllerRevision({ namespace: ns }) }
    : { path: '/apis/apps/v1/controllerrevisions', list: () => clients.apps.listControllerRevisionForAllNamespaces() }, projectControllerRevision, true);
  const namespacesInf = scopedInformer<k8s.V1Namespace>({ name: 'namespaces', namespaces: scope, clusterScoped: true, make: (n, ns) => ns
    ? inf<k8s.V1Namespace>(n, '/api/v1/namespaces', () => clients.core.listNamespace({ fieldSelector: `metadata.name=${ns}` }), undefined, false, `metadata.name=${ns}`)
    : inf<k8s.V1Namespace>(n, '/api/v1/namespaces', () => clients.core.listNamespace()) });
  // Policies: the watched namespaces' and the operator-wide default in the operator's namespace.
  const policiesInf = scoped<k8s.KubernetesObject & { spec?: unknown }>('escalationpolicies', scope && [...scope, config.operatorNamespace], crd('escalationpolicies'));
  const informers: InformerLike<k8s.KubernetesObject>[] = [incidentsInf, deploymentsInf, replicaSetsInf, podsInf, namespacesInf, policiesInf, statefulSetsInf, controllerRevisionsInf];

  // Each informer watches one resource, so its objects are that resource's type.
  /* eslint-disable @typescript-eslint/no-unsafe-type-assertion */
  const asCache = <T>(i: InformerLike<any>): ReadCache<T> => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
    get: (ns, name) => i.get(ns ?? '', name) as T | undefined,
    list: (ns) => i.list(ns) as readonly T[],
    byOwner: (ns, owner) => i.byIndex(OWNER_INDEX, `${ns}/${owner}`) as T[],
  });
  /* eslint-enable @typescript-eslint/no-unsafe-type-assertion */
  const caches: Caches = {
    incidents: asCache<Incident>(incidentsInf),
    deployments: asCache<KubeDeployment>(deploymentsInf),
    replicaSets: asCache<KubeReplicaSet>(replicaSetsInf),
    pods: asCache<KubePod>(podsInf),
    namespaces: asCache<KubeNamespace>(namespacesInf),
    policies: asCache<PolicyObject>(policiesInf),
    statefulSets: asCache<KubeStatefulSet>(statefulSetsInf),
    controllerRevisions: asCache<KubeControllerRevision>(controllerRevisionsInf),
    fresh: () => informers.every((i) => i.synced && (i.phase === 'watching' || i.phase === 'reconnecting')),
  };

  // The stale-cache guard, once for every controller: no key is reconciled while an informer re-lists.
  const queueOpts = (name: string) => ({ name, maxDelayMs: config.maxBackoffMs, clock, logger: rlog, metrics: metrics.queueHooks(name), gate: () => caches.fresh?.() ?? true });
  const incidentQueue = new WorkQueue(queueOpts('incident'));
  const crashLoopQueue = new WorkQueue(queueOpts('crashloop'));
  const healthyQueue = new WorkQueue(queueOpts('healthy-revision'));
  const signalQueue = new WorkQueue(queueOpts('signals'));
  const stsCrashLoopQueue = new WorkQueue(queueOpts('crashloop-statefulset'));
  const stsHealthyQueue = new WorkQueue(queueOpts('healthy-revision-statefulset'));
  const queues = [incidentQueue, crashLoopQueue, healthyQueue, signalQueue, stsCrashLoopQueue, stsHealthyQueue];

  const incidentLog = opts.onStatusWritten === undefined && config.incidentLogDatabaseUrlFile
    ? await openIncidentLog(config.incidentLogDatabaseUrlFile, log, process.env) : undefined;
  const events = new KubeEventRecorder(clients.core, log, clock);
  const escalatorFactory = opts.escalator === undefined ? buildEscalator(config, log) : opts.escalator;
  // Health signals (Prometheus queries, HTTP probes): one evaluator for the watcher, the diagnosis and monitoring.
  const signalEvaluator = new SignalEvaluator({ config: config.signals, operatorNamespace: config.operatorNamespace, core: clients.core, clock });
  const evaluateSignals = incidentSignals(signalEvaluator);
  // One ledger of granted blast-radius slots for the slow path and the detector's fast path (issue 17).
  const rollbackLedger = new BlastRadiusLedger();
  const remediator = new RunbookRemediator({
    apps: clients.apps, core: clients.core, config, log, clock,
    namespaceLabels: (ns) => caches.namespaces.get(undefined, ns)?.metadata?.labels,
    incidents: () => caches.incidents.list(),
    gitops: new GitOpsSuspender(clients.custom),
    deployments: () => caches.deployments.list(),
    ledger: rollbackLedger,
    statefulSets: () => caches.statefulSets?.list() ?? [],
    policies: caches.policies,
  });
  const incidentReconciler = new IncidentReconciler({
    clock, config, log, caches, incidents: incidentClient, events, remediator,
    onStatusWritten: (written, before) => { (opts.onStatusWritten ?? incidentLog?.writer.enqueue)?.(written); recordStatusWrite(metrics, before, written); },
    escalator: escalatorFactory ? escalatorFactory({ clients, incidents: incidentClient, metrics, caches, clock }) : undefined,
    targetVersion: async (namespace, name, kind) => {
      try {
        const live = kind === 'StatefulSet' ? await clients.apps.readNamespacedStatefulSet({ name, namespace }) : await clients.apps.readNamespacedDeployment({ name, namespace });
        return live.metadata?.resourceVersion ?? '';
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    checkDatabaseHealthy: async (incident) => {
      // The re-check while monitoring runs every 15 s on a reconcile worker: no activity window (no 2 s wait).
      const ev = await checkDatabase(clients.core, incident.metadata.namespace, incident.spec.database!, { withLoad: true, activityWindowMs: 0 });
      return { healthy: !!ev.connectivity?.reachable && !!ev.load && ev.load.longRunningQueries.length === 0, summary: ev.summary };
    },
    diagnose: (incident, target, others, neighbours) => runDiagnosis({ core: clients.core, now: () => clock.now(), checkTimeoutMs: 3000, signals: evaluateSignals, signalOrigin: signalOrigin(signalEvaluator, config.signals), argoCdNamespace: config.owners.argoCdNamespace }, incident, target, others, neighbours),
    evaluateSignals,
    onBudgetExhausted: (namespace, deployment, now) => reportMassFailure({ incidents: incidentClient, caches, log }, namespace, deployment,
      `${config.rollbackBudget.max} per ${config.rollbackBudget.windowSeconds}s`, `mass-failure-${Math.floor(now.getTime() / 3_600_000)}`),
  });
  // Fast path (issue 17): decided from the cache, one patch, the Incident after; ROLLBACK_FAST_PATH=false turns deciding off
  // (a record left by an earlier fast rollback still gets its Incident).
  const fastRollback = new FastRollback({
    apps: clients.apps, log, ledger: rollbackLedger, budget: config.rollbackBudget, failpoint: config.failpoint,
    deployments: () => caches.deployments.list(), statefulSets: () => caches.statefulSets?.list() ?? [], incidents: () => caches.incidents.list(),
  });
  const detector = new CrashLoopDetector({ caches, incidents: incidentClient, config, log, fast: { actor: fastRollback, clock } });
  const stsDetector = new StatefulSetCrashLoopDetector({ caches, incidents: incidentClient, config, log });
  const stsRecorder = new StatefulSetRevisionRecorder({ caches, apps: clients.apps, config, log, clock });
  const signalWatcher = new SignalWatcher({ caches, incidents: incidentClient, config, log, clock, evaluator: signalEvaluator });
  const recorder = new HealthyRevisionRecorder({ caches, apps: clients.apps, config, log, clock, signalsHealthy: signalWatcher.signalsHealthy });

  // Event → key mapping (callbacks only enqueue), limited to the watched namespaces.
  // With SHARD_COUNT > 1, only this shard's namespaces (stable hash of the name).
  const watched = (ns: string | undefined) => !!ns && (!config.watchNamespaces || config.watchNamespaces.includes(ns)) && ownsNamespace(config.shard, ns);
  const incidentsTargeting = (ns: string, deployment: string) =>
    caches.incidents.list(ns).filter((i) => i.spec?.target?.name === deployment).map((i) => keyOf(ns, i.metadata.name));
  const deploymentChanged = (ns: string, name: string) => {
    if (!watched(ns)) return;
    const key = keyOf(ns, name);
    crashLoopQueue.add(key);
    healthyQueue.add(key);
    signalQueue.add(key);
    for (const k of incidentsTargeting(ns, name)) incidentQueue.add(k);
  };
  const statefulSetChanged = (ns: string, name: string) => {
    if (!watched(ns)) return;
    stsCrashLoopQueue.add(keyOf(ns, name));
    stsHealthyQueue.add(keyOf(ns, name));
    for (const k of incidentsTargeting(ns, name)) incidentQueue.add(k);
  };
  const onIncident = (i: k8s.KubernetesObject) => {
    if (!watched(i.metadata?.namespace)) return;
    incidentQueue.add(keyOf(i.metadata?.namespace, i.metadata!.name!));
    const target = caches.incidents.get(i.metadata?.namespace, i.metadata?.name ?? '')?.spec?.target?.name;
    if (target && i.metadata?.namespace) healthyQueue.add(keyOf(i.metadata.namespace, target));
  };
  for (const ev of ['add', 'update', 'delete'] as const) {
    incidentsInf.on(ev, onIncident);
    deploymentsInf.on(ev, (d) => deploymentChanged(d.metadata!.namespace!, d.metadata!.name!));
    replicaSetsInf.on(ev, (rs) => {
      const owner = ownerName(rs, 'Deployment');
      if (owner) deploymentChanged(rs.metadata!.namespace!, owner);
    });
    // StatefulSet targets: their own changes, their ControllerRevisions' and their pods' reach the incidents targeting them.
    statefulSetsInf.on(ev, (s) => statefulSetChanged(s.metadata!.namespace!, s.metadata!.name!));
    controllerRevisionsInf.on(ev, (r) => {
      const owner = ownerName(r, 'StatefulSet');
      if (owner) statefulSetChanged(r.metadata!.namespace!, owner);
    });
    podsInf.on(ev, (p) => {
      const stsName = ownerName(p, 'StatefulSet');
      if (stsName) { statefulSetChanged(p.metadata!.namespace!, stsName); return; }
      const rsName = ownerName(p, 'ReplicaSet');
      if (!rsName) return;
      const rs = replicaSetsInf.get(p.metadata!.namespace!, rsName);
      const owner = rs ? ownerName(rs, 'Deployment') : undefined;
      if (owner) deploymentChanged(p.metadata!.namespace!, owner);
    });
  }
  namespacesInf.on('update', (n) => {
    for (const d of deploymentsInf.list(n.metadata!.name)) deploymentChanged(d.metadata!.namespace!, d.metadata!.name!);
  });

  for (const i of informers) i.start();

  let workersStarted = false;
  // A graceful stop() steps down on purpose: it must go on to release the Lease instead of exiting.
  let stopping = false;
  const startWorkers = async () => {
    if (workersStarted) return;
    // Act only on a synced view of the world.
    for (const i of informers) {
      while (!(await i.waitForSync(30_000))) log.warn('informer not synced yet', { informer: i.name });
    }
    workersStarted = true;
    incidentQueue.run(config.workers, incidentReconciler.reconcile);
    crashLoopQueue.run(config.workers, detector.reconcile);
    stsCrashLoopQueue.run(1, stsDetector.reconcile);
    stsHealthyQueue.run(1, stsRecorder.reconcile);
    healthyQueue.run(1, recorder.reconcile);
    signalQueue.run(config.workers, signalWatcher.reconcile);
    for (const i of incidentsInf.list()) onIncident(i);
    for (const d of deploymentsInf.list()) deploymentChanged(d.metadata!.namespace!, d.metadata!.name!);
    for (const s of statefulSetsInf.list()) statefulSetChanged(s.metadata!.namespace!, s.metadata!.name!);
    log.info('leading: workers started', { workers: config.workers });
  };

  const elector = new LeaderElector(coordinationLeaseClient(clients.coordination, config.operatorNamespace, shardLeaseName(config.lease.name, config.shard)), {
    identity: config.identity,
    leaseDurationMs: config.lease.durationMs,
    renewDeadlineMs: config.lease.renewDeadlineMs,
    retryPeriodMs: config.lease.retryPeriodMs,
    clock,
    logger: rlog,
    onStartedLeading: () => { metrics.isLeader.set(1); void startWorkers().catch((e) => log.error('starting workers failed', { error: errorMessage(e) })); },
    onStoppedLeading: () => {
      metrics.isLeader.set(0);
      if (stopping) return; // stop() already drains the queues and then releases the Lease
      log.error('leadership lost: stopping all work');
      for (const q of queues) void q.shutdown({ drain: 'inflight' });
      (opts.onLostLeadership ?? (() => process.exit(1)))();
    },
    onNewLeader: (id) => log.info('leader observed', { leader: id ?? '(none)' }),
  });
  elector.start();

  // Probes, /metrics and the intake, each on its own port and only when configured (src/server/listeners.ts).
  const servers = await startListeners(config, {
    log, clock,
    ready: () => {
      const synced = Object.fromEntries(informers.map((i) => [i.name, i.synced]));
      const ready = informers.every((i) => i.synced) && elector.leaderKnown();
      return { ready, detail: { synced, leader: elector.isLeader(), leaderKnown: elector.leaderKnown() } };
    },
    metrics: async () => {
      const now = clock.now().getTime();
      for (const i of informers) {
        metrics.informerSynced.set({ informer: i.name }, i.synced ? 1 : 0);
        if (i.lastEventAt) metrics.informerLastEventAge.set({ informer: i.name }, (now - i.lastEventAt.getTime()) / 1000);
      }
      metrics.incidents.reset();
      for (const i of caches.incidents.list()) metrics.incidents.inc({ phase: i.status?.phase ?? 'Pending', severity: i.spec?.severity ?? 'unknown' });
      refreshCacheGauges(metrics, caches.incidents.list(), clock.now());
      return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    },
    intakeRoutes: (opts.routes ?? buildRoutes(config, log, clock))({ clients, incidents: incidentClient, caches, metrics }),
    ...(config.listeners.metrics?.auth === 'kubernetes' ? { metricsAuthorizer: kubernetesMetricsAuthorizer(kubernetesReviews(clients.kc), clock) } : {}),
  });

  if (incidentLog) wireIncidentLog(incidentLog, { metrics, elector, caches }, watched);

  return {
    metrics, elector, servers, caches,
    async stop() {
      stopping = true;
      await Promise.all(queues.map((q) => q.shutdown({ drain: 'inflight' })));
      await elector.stop();
      await Promise.all(informers.map((i) => i.stop()));
      await closeListeners(servers);
      await incidentLog?.writer.close(3_000).catch((e: unknown) => log.error('incident log close error', { error: errorMessage(e) }));
    },
  };
}
