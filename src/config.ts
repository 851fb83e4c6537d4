/**
 * Operator configuration from environment variables. Pure: `loadConfig(env)` never reads process.env
 * itself, so tests pass their own map. Invalid values throw a ConfigError naming the variable.
 */
import type { OwnerStrategyConfig } from './decide/owner-strategy.js';

/**
 * Test-only failpoints (INCIDENT_OPERATOR_FAILPOINT): the process SIGKILLs itself right after a rollback intent,
 * a session-termination intent, or an outbox entry is durable in status, before the action it records.
 * `exit-after-fast-rollback-patch`: right after the fast path's rollback patch, before its Incident exists
 * (`exit-after-rollback-intent` turns the fast path off, so that failpoint is reached).
 */
export const FAILPOINTS = ['exit-after-rollback-intent', 'exit-after-termination-intent', 'exit-after-outbox-write', 'exit-after-fast-rollback-patch'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

export interface OperatorConfig {
  operatorNamespace: string;
  identity?: string;
  workers: number;
  dryRun: boolean;
  /** Automatic crash-loop detection opt-in: label on the Deployment or its Namespace. */
  autoRollbackLabel: string;
  autoRollbackValue: string;
  crashLoopRestartThreshold: number;
  /** Seconds a revision must stay fully available before it is recorded as last known good. */
  healthyStableWindowSeconds: number;
  /** Seconds the target must stay healthy after remediation before the incident is resolved. */
  monitorWindowSeconds: number;
  /** Seconds to wait for a rolled-back Deployment to become Available before escalating. */
  rollbackTimeoutSeconds: number;
  rollbackRateLimit: { max: number; windowSeconds: number };
  /** Session terminations per database server across all Incidents within the window (TERMINATION_BUDGET_*). */
  terminationBudget: { max: number; windowSeconds: number };
  /** Seconds to wait after terminating for the pile-up to drain before the remediation counts as Failed. */
  terminationVerifySeconds: number;
  /** More database roles whose (transitive) members are never terminated (TERMINATION_PROTECTED_ROLES, comma-separated). */
  terminationProtectedRoles: string[];
  /** Minutes to acknowledge (ACKNOWLEDGE_MINUTES, or ACKNOWLEDGE_SECONDS / 60: may be fractional). */
  acknowledgeMinutes: number;
  /** Per-severity minutes to resolve (RESPONSE_MINUTES_Px, or RESPONSE_SECONDS_Px / 60: may be fractional). */
  responseMinutes: Partial<Record<'P0' | 'P1' | 'P2' | 'P3', number>>;
  /** P0/P1 post-mortem deadline after resolution and reminder lead (POSTMORTEM_DUE_SECONDS, default 48 h; POSTMORTEM_REMINDER_SECONDS, default 24 h). */
  postmortem?: { dueSeconds: number; reminderSeconds: number };
  lease: { name: string; durationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  maxBackoffMs: number;
  watchdogSeconds: number;
  incidentLogDatabaseUrlFile?: string;
  alertmanagerTokenFile?: string;
  alertmanagerResolvesIncidents: boolean;
  /** Operator-wide default EscalationPolicy (name in operatorNamespace); built-in runbook policy when unset. */
  escalationPolicy?: string;
  /** PagerDuty Events API v2 URL override. */
  pagerDutyEventsUrl?: string;
  /** Notification delivery: retry caps by severity, fallback time, attempt timeout, Slack Web API URL override. */
  notify: NotifyConfig;
  logLevel: string;
  /** Only act on objects in these namespaces (all when undefined). */
  watchNamespaces?: string[];
  /** Sharding (SHARD_COUNT, SHARD_INDEX): this instance handles only the namespaces whose hash falls in its shard. */
  shard?: { count: number; index: number };
  /** Test-only failpoint (INCIDENT_OPERATOR_FAILPOINT, one of FAILPOINTS): SIGKILL the process at that moment. */
  failpoint?: Failpoint;
  /** Crash-loop rollback decided from the cache in one patch, the Incident opened after (ROLLBACK_FAST_PATH, default true). */
  rollbackFastPath: boolean;
  /** Separate listeners, each disabled when its port is unset (the intake also needs ALERTMANAGER_TOKEN_FILE). */
  /** metrics.auth (METRICS_AUTH): none (open, behind the NetworkPolicy), token (METRICS_TOKEN_FILE), kubernetes (TokenReview + SubjectAccessReview). */
  listeners: { probes?: Listener; metrics?: Listener & { tokenFile?: string; auth: MetricsAuthMode }; alertmanager?: Listener };
  /** Alertmanager intake limits: requests per sender (token bucket) and Incidents created per minute. */
  intakeLimits: { senderPerMinute: number; senderBurst: number; incidentsPerMinute: number };
  /** Operator-wide: allow rollbacks to revisions never recorded healthy (per Incident: spec.rollback.allowUnverified). */
  rollbackAllowUnverified: boolean;
  /** Never acted on, refused at intake: exact names or `prefix*` (PROTECTED_NAMESPACES, default `kube-*`; `none`). */
  protectedNamespaces: string[];
  /** Health signals (issue 14): Prometheus, evaluation interval, breach streak, rollout window. */
  signals: SignalsConfig;
  /** Rollback per manifest owner (issue 15): ROLLBACK_ARGOCD, ROLLBACK_FLUX, ROLLBACK_HELM, ARGOCD_NAMESPACE. */
  owners: OwnerStrategyConfig;
  /** Cluster-wide blast radius of automatic rollbacks (ROLLBACK_BUDGET_MAX per ROLLBACK_BUDGET_WINDOW_SECONDS, default 5 per 60). */
  rollbackBudget: { max: number; windowSeconds: number };
}

export interface SignalsConfig {
  /** Prometheus base URL (PROMETHEUS_URL), e.g. http://prometheus.monitoring:9090; Prometheus signals are Unknown without it. */
  prometheusUrl?: string;
  /** Secret in OPERATOR_NAMESPACE with `token` (bearer) and/or `ca.crt` (PROMETHEUS_AUTH_SECRET). */
  prometheusAuthSecret?: string;
  /** Timeout of one query or probe, ms (SIGNAL_QUERY_TIMEOUT_MS, default 3000). */
  queryTimeoutMs: number;
  /** How often the signal watcher evaluates opted-in Deployments' signals, ms (SIGNAL_INTERVAL_MS, default 10000). */
  intervalMs: number;
  /** SIGNAL_STATUS_REFRESH_MS: an evaluation with nothing new (same verdicts, same healthy streak) is written at most this often. */
  refreshMs: number;
  /** Consecutive breaching evaluations before a metric rollback (SIGNAL_CONSECUTIVE_BREACHES, default 3). */
  consecutiveBreaches: number;
  /** Consecutive healthy evaluations before a revision with signals may be recorded last known good (SIGNAL_HEALTHY_EVALUATIONS, default 3). */
  healthyEvaluations: number;
  /** Only a revision rolled out this recently is rolled back on a breach (SIGNAL_ROLLOUT_WINDOW_SECONDS, default 900). */
  rolloutWindowSeconds: number;
  /** A symptoms Incident (APIOutage, nothing remediated) without signals never resolves on readiness alone (SYMPTOMS_REQUIRE_SIGNALS, default true). */
  symptomsRequireSignals: boolean;
}

export interface Listener { host: string; port: number }

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`invalid ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `expected an integer in [${min}, ${max}], got ${JSON.stringify(raw.slice(0, 32))}`);
  }
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(raw.slice(0, 32))}`);
}

function labelPair(env: Env, name: string, dflt: string): { key: string; value: string } {
  const raw = env[name] || dflt;
  const m = /^([a-z0-9A-Z./_-]{1,317})=([a-zA-Z0-9._-]{0,63})$/.exec(raw);
  if (!m) throw new ConfigError(name, `expected key=value, got ${JSON.stringify(raw.slice(0, 64))}`);
  return { key: m[1]!, value: m[2]! };
}

/** `<NAME>_PORT` (+ `<NAME>_HOST`, default 0.0.0.0), or undefined (disabled) when no port is configured. */
function listener(env: Env, name: string, legacy?: string): Listener | undefined {
  const portVar = env[`${name}_PORT`] !== undefined && env[`${name}_PORT`] !== '' ? `${name}_PORT` : legacy ? `${legacy}_PORT` : undefined;
  if (!portVar || env[portVar] === undefined || env[portVar] === '') return undefined;
  const host = env[`${name}_HOST`] || (legacy ? env[`${legacy}_HOST`] : undefined) || '0.0.0.0';
  return { host, port: int(env, portVar, 0, 0, 65535) };
}

export interface NotifyConfig {
  /** Largest delay between two attempts per severity, ms (P0/P1 at most 15 s). */
  retryCapMs: Partial<Record<'P0' | 'P1' | 'P2' | 'P3', number>>;
  /** A P0/P1 target failing this long triggers the fallback (other targets of the tier, the next tier). */
  fallbackAfterMs: number;
  /** Timeout of one delivery attempt, ms. */
  attemptTimeoutMs: number;
  /** Slack Web API chat.postMessage URL override (tests). */
  slackApiUrl?: string;
}

function notifyConfig(env: Env): NotifyConfig {
  const retryCapMs: NotifyConfig['retryCapMs'] = {};
  for (const sev of ['P0', 'P1', 'P2', 'P3'] as const) {
    const name = `NOTIFY_RETRY_CAP_MS_${sev}`;
    if (env[name] !== undefined && env[name] !== '') retryCapMs[sev] = int(env, name, 0, 100, sev === 'P0' || sev === 'P1' ? 15_000 : 24 * 3_600_000);
  }
  return {
    retryCapMs,
    fallbackAfterMs: int(env, 'NOTIFY_FALLBACK_SECONDS', 120, 1, 86_400) * 1000,
    attemptTimeoutMs: int(env, 'NOTIFY_ATTEMPT_TIMEOUT_MS', 5000, 100, 60_000),
    slackApiUrl: env.SLACK_API_URL || undefined,
  };
}

function signalsConfig(env: Env): SignalsConfig {
  const url = env.PROMETHEUS_URL || undefined;
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError('PROMETHEUS_URL', 'expected an http(s) URL');
  return {
    prometheusUrl: url?.replace(/\/+$/, ''),
    prometheusAuthSecret: env.PROMETHEUS_AUTH_SECRET || undefined,
    queryTimeoutMs: int(env, 'SIGNAL_QUERY_TIMEOUT_MS', 3000, 50, 60_000),
    intervalMs: int(env, 'SIGNAL_INTERVAL_MS', 10_000, 100, 3_600_000),
    refreshMs: int(env, 'SIGNAL_STATUS_REFRESH_MS', 60_000, 100, 3_600_000),
    consecutiveBreaches: int(env, 'SIGNAL_CONSECUTIVE_BREACHES', 3, 1, 100),
    healthyEvaluations: int(env, 'SIGNAL_HEALTHY_EVALUATIONS', 3, 2, 100),
    rolloutWindowSeconds: int(env, 'SIGNAL_ROLLOUT_WINDOW_SECONDS', 900, 1, 7 * 86_400),
    symptomsRequireSignals: bool(env, 'SYMPTOMS_REQUIRE_SIGNALS', true),
  };
}

export function loadConfig(env: Env): OperatorConfig {
  const selector = labelPair(env, 'AUTO_ROLLBACK_SELECTOR', 'runbook.dev/auto-rollback=enabled');
  const responseMinutes: OperatorConfig['responseMinutes'] = {};
  for (const sev of ['P0', 'P1', 'P2', 'P3'] as const) {
    const v = env[`RESPONSE_MINUTES_${sev}`];
    if (v !== undefined && v !== '') responseMinutes[sev] = int(env, `RESPONSE_MINUTES_${sev}`, 0, 0, 60 * 24 * 7);
    // Seconds override the minutes (short SLA clocks for tests and drills); kept as fractional minutes.
    const secs = env[`RESPONSE_SECONDS_${sev}`];
    if (secs !== undefined && secs !== '') responseMinutes[sev] = int(env, `RESPONSE_SECONDS_${sev}`, 0, 0, 60 * 60 * 24 * 7) / 60;
  }
  const acknowledgeSeconds = env.ACKNOWLEDGE_SECONDS;
  const leaseDurationMs = int(env, 'LEASE_DURATION_MS', 15_000, 1_000, 300_000);
  const renewDeadlineMs = int(env, 'LEASE_RENEW_DEADLINE_MS', 10_000, 500, 300_000);
  const retryPeriodMs = int(env, 'LEASE_RETRY_PERIOD_MS', 2_000, 100, 60_000);
  if (renewDeadlineMs >= leaseDurationMs) {
    throw new ConfigError('LEASE_RENEW_DEADLINE_MS', 'must be shorter than LEASE_DURATION_MS');
  }
  return {
    operatorNamespace: env.OPERATOR_NAMESPACE || 'incident-operator-system',
    identity: env.OPERATOR_IDENTITY || undefined,
    workers: int(env, 'WORKERS', 4, 1, 64),
    dryRun: bool(env, 'DRY_RUN', false),
    autoRollbackLabel: selector.key,
    autoRollbackValue: selector.value,
    crashLoopRestartThreshold: int(env, 'CRASHLOOP_RESTART_THRESHOLD', 3, 1, 100),
    healthyStableWindowSeconds: int(env, 'HEALTHY_STABLE_WINDOW_SECONDS', 30, 0, 86_400),
    monitorWindowSeconds: int(env, 'MONITOR_WINDOW_SECONDS', 120, 0, 86_400),
    rollbackTimeoutSeconds: int(env, 'ROLLBACK_TIMEOUT_SECONDS', 300, 1, 86_400),
    terminationBudget: {
      max: int(env, 'TERMINATION_BUDGET_MAX', 5, 0, 100),
      windowSeconds: int(env, 'TERMINATION_BUDGET_WINDOW_SECONDS', 600, 1, 86_400),
    },
    terminationVerifySeconds: int(env, 'TERMINATION_VERIFY_SECONDS', 10, 0, 300),
    terminationProtectedRoles: (env.TERMINATION_PROTECTED_ROLES ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    rollbackRateLimit: {
      max: int(env, 'ROLLBACK_RATE_LIMIT_MAX', 1, 0, 100),
      windowSeconds: int(env, 'ROLLBACK_RATE_LIMIT_WINDOW_SECONDS', 600, 0, 86_400),
    },
    acknowledgeMinutes: acknowledgeSeconds !== undefined && acknowledgeSeconds !== ''
      ? int(env, 'ACKNOWLEDGE_SECONDS', 0, 0, 24 * 60 * 60) / 60
      : int(env, 'ACKNOWLEDGE_MINUTES', 15, 0, 24 * 60),
    responseMinutes,
    postmortem: {
      dueSeconds: int(env, 'POSTMORTEM_DUE_SECONDS', 48 * 3600, 1, 30 * 86_400),
      reminderSeconds: int(env, 'POSTMORTEM_REMINDER_SECONDS', 24 * 3600, 0, 30 * 86_400),
    },
    lease: { name: env.LEASE_NAME || 'incident-operator', durationMs: leaseDurationMs, renewDeadlineMs, retryPeriodMs },
    maxBackoffMs: int(env, 'MAX_BACKOFF_MS', 30_000, 100, 60_000),
    watchdogSeconds: int(env, 'WATCHDOG_SECONDS', 300, 5, 3_600),
    incidentLogDatabaseUrlFile: env.INCIDENT_LOG_DATABASE_URL_FILE || undefined,
    alertmanagerTokenFile: env.ALERTMANAGER_TOKEN_FILE || undefined,
    alertmanagerResolvesIncidents: bool(env, 'ALERTMANAGER_RESOLVES_INCIDENTS', false),
    escalationPolicy: env.ESCALATION_POLICY || undefined,
    pagerDutyEventsUrl: env.PAGERDUTY_EVENTS_URL || undefined,
    notify: notifyConfig(env),
    logLevel: env.LOG_LEVEL || 'info',
    ...shardConfig(env),
    watchNamespaces: env.WATCH_NAMESPACES ? env.WATCH_NAMESPACES.split(',').map((x) => x.trim()).filter(Boolean) : undefined,
    failpoint: FAILPOINTS.find((f) => f === env.INCIDENT_OPERATOR_FAILPOINT),
    rollbackFastPath: bool(env, 'ROLLBACK_FAST_PATH', true),
    listeners: {
      probes: listener(env, 'PROBE', 'HTTP'),
      ...(listener(env, 'METRICS') ? { metrics: metricsListener(env, listener(env, 'METRICS')!) } : {}),
      alertmanager: listener(env, 'ALERTMANAGER'),
    },
    intakeLimits: {
      senderPerMinute: int(env, 'ALERTMANAGER_SENDER_RATE_PER_MINUTE', 120, 0, 100_000),
      senderBurst: int(env, 'ALERTMANAGER_SENDER_BURST', 30, 1, 100_000),
      incidentsPerMinute: int(env, 'ALERTMANAGER_INCIDENTS_PER_MINUTE', 20, 0, 10_000),
    },
    rollbackAllowUnverified: bool(env, 'ROLLBACK_ALLOW_UNVERIFIED', false),
    protectedNamespaces: env.PROTECTED_NAMESPACES === 'none' ? []
      : (env.PROTECTED_NAMESPACES || 'kube-*').split(',').map((x) => x.trim()).filter(Boolean),
    signals: signalsConfig(env),
    owners: ownerStrategyConfig(env),
    rollbackBudget: {
      max: int(env, 'ROLLBACK_BUDGET_MAX', 5, 0, 1000),
      windowSeconds: int(env, 'ROLLBACK_BUDGET_WINDOW_SECONDS', 60, 1, 86_400),
    },
  };
}

export type MetricsAuthMode = 'none' | 'token' | 'kubernetes';
export const METRICS_AUTH_MODES: readonly MetricsAuthMode[] = ['none', 'token', 'kubernetes'];

/** METRICS_AUTH defaults to token when METRICS_TOKEN_FILE is set (as before), else none; token needs the file. */
function metricsListener(env: Env, l: Listener): Listener & { tokenFile?: string; auth: MetricsAuthMode } {
  const tokenFile = env.METRICS_TOKEN_FILE || undefined;
  const auth = oneOf(env, 'METRICS_AUTH', METRICS_AUTH_MODES, tokenFile ? 'token' : 'none');
  if (auth === 'token' && !tokenFile) throw new ConfigError('METRICS_AUTH', 'token needs METRICS_TOKEN_FILE');
  return { ...l, ...(tokenFile ? { tokenFile } : {}), auth };
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const hit = allowed.find((a) => a === v);
  if (!hit) throw new ConfigError(name, `expected one of ${allowed.join(', ')}`);
  return hit;
}

function ownerStrategyConfig(env: Env): OwnerStrategyConfig {
  return {
    argoCd: oneOf(env, 'ROLLBACK_ARGOCD', ['Instruct', 'SuspendAutoSync'] as const, 'Instruct'),
    flux: oneOf(env, 'ROLLBACK_FLUX', ['Instruct', 'Suspend'] as const, 'Instruct'),
    helm: oneOf(env, 'ROLLBACK_HELM', ['Instruct', 'PatchDeployment'] as const, 'Instruct'),
    argoCdNamespace: env.ARGOCD_NAMESPACE || 'argocd',
    set: { argoCD: !!env.ROLLBACK_ARGOCD, flux: !!env.ROLLBACK_FLUX, helm: !!env.ROLLBACK_HELM },
  };
}

function shardConfig(env: Env): { shard?: { count: number; index: number } } {
  const count = int(env, 'SHARD_COUNT', 1, 1, 64);
  const index = int(env, 'SHARD_INDEX', 0, 0, 63);
  if (index >= count) throw new ConfigError('SHARD_INDEX', `must be below SHARD_COUNT (${count})`);
  return count > 1 ? { shard: { count, index } } : {};
}
