/**
 * Fixtures for the Escalate integration tests: an EscalationPolicy named `default` whose tiers point to the
 * local receivers (through a Secret, as in production), the operator's HTTP port, the kubectl plugin,
 * and lookups of what the receivers got.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { applyYaml, deleteNamespace, ensureCluster, getJson, repoRoot } from './cluster.js';
import { stopOperators, type OperatorProcess } from './operator-process.js';
import type { Receivers, RecordedRequest } from './receivers.js';

export type Json = any;

export const NotificationSecret = 'incident-notifications';
export type Trigger = 'OnOpen' | 'AcknowledgeDeadlineExceeded' | 'ResponseDeadlineExceeded' | 'RemediationFailed' | 'RemediationRefused';
export type Channel = 'slack' | 'pagerduty' | 'webhook';

export interface TierPlan {
  level: number;
  name: string;
  triggers: Trigger[];
  channels: Channel[];
}

/** Where each tier's notifications go: distinct Slack/webhook paths, a distinct PagerDuty routing key. */
export interface TierRoute {
  level: number;
  slackPath: string;
  webhookPath: string;
  routingKey: string;
}

export interface PolicySetup {
  policyYaml: string;
  secretYaml: string;
  hmacSecret: string;
  routes: TierRoute[];
  route(level: number): TierRoute;
}

export const RunbookTiers: TierPlan[] = [
  { level: 1, name: 'On-call engineer', triggers: ['OnOpen'], channels: ['slack', 'pagerduty', 'webhook'] },
  { level: 2, name: 'Engineering team lead', triggers: ['AcknowledgeDeadlineExceeded'], channels: ['slack', 'pagerduty', 'webhook'] },
  { level: 3, name: 'VP of Engineering', triggers: ['ResponseDeadlineExceeded'], channels: ['slack', 'pagerduty', 'webhook'] },
];

/**
 * The namespace's `default` EscalationPolicy plus the Secret it reads, pointing every tier's targets to
 * `receivers`. Routing keys carry a random part so two test files never share one.
 */
export function escalationSetup(namespace: string, receivers: Pick<Receivers, 'slack' | 'pagerduty' | 'webhook'>, opts: { tiers?: TierPlan[]; notifyOnPhaseChange?: boolean; hmacSecret?: string; omitKeys?: string[]; slackApp?: { token: string } } = {}): PolicySetup {
  const tiers = opts.tiers ?? RunbookTiers;
  const salt = randomBytes(4).toString('hex');
  const hmacSecret = opts.hmacSecret ?? `hmac-${randomBytes(16).toString('hex')}`;
  const routes: TierRoute[] = tiers.map((t) => ({
    level: t.level, slackPath: `/slack/tier${t.level}`, webhookPath: `/hook/tier${t.level}`, routingKey: `rk-tier${t.level}-${salt}`,
  }));
  const data: Record<string, string> = { 'webhook-hmac': hmacSecret };
  const policyTiers = tiers.map((t, i) => {
    const r = routes[i]!;
    data[`slack-url-t${t.level}`] = receivers.slack.url(r.slackPath);
    data[`pagerduty-routing-key-t${t.level}`] = r.routingKey;
    data[`webhook-url-t${t.level}`] = receivers.webhook.url(r.webhookPath);
    const targets = t.channels.map((c) => {
      if (c === 'slack' && opts.slackApp) {
        data[`slack-token-t${t.level}`] = opts.slackApp.token;
        return { type: 'slack', name: `slack-t${t.level}`, channel: `C0TIER${t.level}`, secretRef: { name: NotificationSecret, key: `slack-token-t${t.level}` } };
      }
      if (c === 'slack') return { type: 'slack', name: `slack-t${t.level}`, secretRef: { name: NotificationSecret, key: `slack-url-t${t.level}` } };
      if (c === 'pagerduty') return { type: 'pagerduty', name: `pagerduty-t${t.level}`, secretRef: { name: NotificationSecret, key: `pagerduty-routing-key-t${t.level}` } };
      return {
        type: 'webhook', name: `webhook-t${t.level}`,
        secretRef: { name: NotificationSecret, key: `webhook-url-t${t.level}` },
        hmacSecretRef: { name: NotificationSecret, key: 'webhook-hmac' },
      };
    });
    return { name: t.name, level: t.level, triggers: t.triggers, targets };
  });
  const policy = {
    apiVersion: 'runbook.dev/v1alpha1', kind: 'EscalationPolicy',
    metadata: { name: 'default', namespace },
    spec: { tiers: policyTiers, notifyOnPhaseChange: opts.notifyOnPhaseChange ?? false },
  };
  for (const k of opts.omitKeys ?? []) delete data[k]; // a target whose Secret key is missing (permanent failure)
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: NotificationSecret, namespace }, type: 'Opaque', stringData: data };
  return {
    policyYaml: JSON.stringify(policy), secretYaml: JSON.stringify(secret), hmacSecret, routes,
    route: (level) => {
      const r = routes.find((x) => x.level === level);
      if (!r) throw new Error(`no tier ${level}`);
      return r;
    },
  };
}

export async function applyEscalationSetup(setup: PolicySetup): Promise<void> {
  await applyYaml(setup.secretYaml);
  await applyYaml(setup.policyYaml);
}

/** The port of the operator's HTTP server, from its "http server listening" log line. */
export async function operatorHttpPort(op: OperatorProcess): Promise<number> {
  const line = await op.waitForLog(/http server listening/, 60_000);
  const m = /:(\d+)$/.exec(typeof line.address === 'string' ? line.address : '');
  if (!m) throw new Error(`no port in ${JSON.stringify(line)}`);
  return Number(m[1]);
}

export interface PluginResult { code: number; stdout: string; stderr: string }

/** Runs bin/kubectl-incident with our kubectl first on PATH and the admin kubeconfig. */
export function runPlugin(args: string[]): Promise<PluginResult> {
  const h = ensureCluster();
  return new Promise((resolve) => {
    execFile(join(repoRoot, 'bin/kubectl-incident'), args, {
      env: { ...process.env, PATH: `${h.binDir}:${process.env.PATH}`, KUBECONFIG: h.kubeconfig }, timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `kubectl incident ...` through kubectl's plugin mechanism (bin/ on PATH), admin kubeconfig from KUBECONFIG. */
export function runKubectlPlugin(args: string[]): Promise<PluginResult> {
  const h = ensureCluster();
  return new Promise((resolve) => {
    execFile(join(h.binDir, 'kubectl'), ['incident', ...args], {
      env: { ...process.env, PATH: `${h.binDir}:${join(repoRoot, 'bin')}:${process.env.PATH}`, KUBECONFIG: h.kubeconfig }, timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

// ---- what the receivers got ----

export function pagerDutyEvents(receivers: Receivers, filter: { routingKey?: string; action?: string; successfulOnly?: boolean } = {}): RecordedRequest[] {
  return receivers.pagerduty.requests.filter((r) => (!filter.successfulOnly || (r.status >= 200 && r.status < 300))
    && (!filter.routingKey || r.body?.routing_key === filter.routingKey)
    && (!filter.action || r.body?.event_action === filter.action));
}

/** Tier (by route) a recorded request was addressed to, or undefined. */
export function tierOfRequest(setup: PolicySetup, channel: Channel, r: RecordedRequest): number | undefined {
  for (const route of setup.routes) {
    if (channel === 'slack' && r.path === route.slackPath) return route.level;
    if (channel === 'webhook' && r.path === route.webhookPath) return route.level;
    if (channel === 'pagerduty' && r.body?.routing_key === route.routingKey) return route.level;
  }
  return undefined;
}

/** Requests of one tier, on every channel. */
export function requestsForTier(receivers: Receivers, setup: PolicySetup, level: number): { channel: Channel; req: RecordedRequest }[] {
  const out: { channel: Channel; req: RecordedRequest }[] = [];
  for (const channel of ['slack', 'pagerduty', 'webhook'] as const) {
    for (const req of receivers[channel].requests) if (tierOfRequest(setup, channel, req) === level) out.push({ channel, req });
  }
  return out;
}

export async function getIncidentJson(ns: string, name: string): Promise<Json> {
  return getJson(['get', 'incidents.runbook.dev', name, '-n', ns]);
}

export function outboxOf(incident: Json): Json[] {
  return incident?.status?.notifications?.outbox ?? [];
}

export function outboxEntry(incident: Json, target: string, kind?: string): Json {
  return outboxOf(incident).find((e: Json) => e.target === target && (!kind || e.kind === kind));
}

/** Compact view of the escalation state, for assertion messages. */
export function escalationSummary(i: Json): Json {
  return i && {
    phase: i.status?.phase, phaseReason: i.status?.phaseReason, tier: i.status?.escalation?.tier,
    notified: i.status?.escalation?.notified, outbox: outboxOf(i).map((e: Json) => `${e.key} ${e.state} a=${e.attempts}${e.lastError ? ` (${e.lastError})` : ''}`),
    acknowledgeBy: i.status?.acknowledgeBy, respondBy: i.status?.respondBy,
  };
}

/** The shared after() of the escalation suites: stop the operators (their log when a test failed), the receivers, the namespace. */
export async function tearDownEscalationSuite(p: { ops: (OperatorProcess | undefined)[]; receivers?: Receivers; ns?: string; failed: boolean }): Promise<void> {
  await stopOperators(p.ops, p.failed);
  await p.receivers?.close();
  if (p.ns) await deleteNamespace(p.ns);
}
