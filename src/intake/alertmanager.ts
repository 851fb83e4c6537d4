/**
 * Alertmanager webhook (version "4") validation and mapping to incident intents (pure).
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 *
 * Rejection reasons name the offending path (e.g. `alerts[0].labels: required`) but never echo values.
 */
import { createHash } from 'node:crypto';
import { safeText } from '../notify/format-common.js';
import type { Severity } from '../notify/types.js';

export type AlertStatus = 'firing' | 'resolved';

export interface AlertmanagerAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export type ParseResult = { ok: true; value: AlertmanagerPayload } | { ok: false; reason: string };

export interface FiringIncidentIntent {
  resolved: false;
  /** Deterministic DNS-1123 label (<= 63 chars): the same alert always maps to the same Incident name. */
  name: string;
  namespace: string;
  severity: Severity;
  /** Label `deployment`, when it is a valid DNS-1123 subdomain. */
  target?: string;
  /** Annotation `summary` (fallback `description`, then `alertname`), redacted, <= 120 chars. */
  summary: string;
  /** Label `runbook`, when it is a valid DNS-1123 label. */
  runbook?: string;
  /** Alertmanager fingerprint (or a hash of groupKey + labels when absent). */
  dedupKey: string;
  startsAt: string;
}

export interface ResolvedIncidentIntent {
  resolved: true;
  name: string;
  namespace: string;
  endsAt: string;
  dedupKey: string;
}

export type IncidentIntent = FiringIncidentIntent | ResolvedIncidentIntent;

export interface IntentOptions {
  defaultSeverity: Severity;
  /** Used when an alert has no valid `namespace` label; without it such alerts are skipped. */
  defaultNamespace?: string;
}

export const MaxAlertsPerPayload = 1000;
export const SummaryMax = 120;
export const IncidentNamePrefix = 'am';

const LabelName = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/u;
const MaxNameLength = 256;
const Dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/u;
const Dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/u;
const Fingerprint = /^[0-9a-fA-F]{1,64}$/u;

export function isDns1123Label(value: string): boolean {
  return Dns1123Label.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && Dns1123Subdomain.test(value);
}

type Fail = { ok: false; reason: string };
const fail = (reason: string): Fail => ({ ok: false, reason });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTimestamp(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/u.test(v) && Number.isFinite(Date.parse(v));
}

/** A map of label/annotation name -> string. `required` controls whether absence is an error. */
function stringMap(v: unknown, path: string, required: boolean): { ok: true; value: Record<string, string> } | Fail {
  if (v === undefined || v === null) return required ? fail(`${path}: required`) : { ok: true, value: {} };
  if (!isObject(v)) return fail(`${path}: must be an object`);
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(v)) {
    // Prometheus 3 / Alertmanager 0.28 allow UTF-8 names: accept them, but only echo classic names in reasons.
    if (key.length === 0 || key.length > MaxNameLength) return fail(`${path}: invalid name`);
    if (typeof value !== 'string') {
      return fail(LabelName.test(key) ? `${path}.${key}: must be a string` : `${path}: values must be strings`);
    }
    out.set(key, value);
  }
  return { ok: true, value: Object.fromEntries(out) };
}

function optionalString(v: unknown, path: string): { ok: true; value: string } | Fail {
  if (v === undefined || v === null) return { ok: true, value: '' };
  return typeof v === 'string' ? { ok: true, value: v } : fail(`${path}: must be a string`);
}

function parseStatus(v: unknown, path: string): { ok: true; value: AlertStatus } | Fail {
  if (v === undefined || v === null) return fail(`${path}: required`);
  if (v !== 'firing' && v !== 'resolved') return fail(`${path}: must be "firing" or "resolved"`);
  return { ok: true, value: v };
}

function parseAlert(v: unknown, path: string): { ok: true; value: AlertmanagerAlert } | Fail {
  if (!isObject(v)) return fail(`${path}: must be an object`);
  const status = parseStatus(v.status, `${path}.status`);
  if (!status.ok) return status;
  const labels = stringMap(v.labels, `${path}.labels`, true);
  if (!labels.ok) return labels;
  const annotations = stringMap(v.annotations, `${path}.annotations`, false);
  if (!annotations.ok) return annotations;
  if (v.startsAt === undefined || v.startsAt === null) return fail(`${path}.startsAt: required`);
  if (typeof v.startsAt !== 'string' || !isTimestamp(v.startsAt)) return fail(`${path}.startsAt: must be an RFC 3339 timestamp`);
  const endsAt = optionalString(v.endsAt, `${path}.endsAt`);
  if (!endsAt.ok) return endsAt;
  if (status.value === 'resolved' && !isTimestamp(endsAt.value)) {
    return fail(`${path}.endsAt: must be an RFC 3339 timestamp for a resolved alert`);
  }
  const generatorURL = optionalString(v.generatorURL, `${path}.generatorURL`);
  if (!generatorURL.ok) return generatorURL;
  const fingerprint = optionalString(v.fingerprint, `${path}.fingerprint`);
  if (!fingerprint.ok) return fingerprint;
  if (fingerprint.value !== '' && !Fingerprint.test(fingerprint.value)) return fail(`${path}.fingerprint: must be hexadecimal`);
  return {
    ok: true,
    value: {
      status: status.value,
      labels: labels.value,
      annotations: annotations.value,
      startsAt: v.startsAt,
      endsAt: endsAt.value,
      generatorURL: generatorURL.value,
      fingerprint: fingerprint.value.toLowerCase(),
    },
  };
}

export function parseAlertmanagerPayload(body: unknown): ParseResult {
  if (!isObject(body)) return fail('body: must be a JSON object');
  if (body.version === undefined || body.version === null) return fail('version: required');
  if (body.version !== '4') return fail('version: must be "4"');
  if (body.groupKey === undefined || body.groupKey === null) return fail('groupKey: required');
  if (typeof body.groupKey !== 'string') return fail('groupKey: must be a string');
  const status = parseStatus(body.status, 'status');
  if (!status.ok) return status;
  if (body.alerts === undefined || body.alerts === null) return fail('alerts: required');
  if (!Array.isArray(body.alerts)) return fail('alerts: must be an array');
  if (body.alerts.length > MaxAlertsPerPayload) return fail(`alerts: at most ${MaxAlertsPerPayload} alerts`);

  let truncatedAlerts = 0;
  if (body.truncatedAlerts !== undefined && body.truncatedAlerts !== null) {
    if (typeof body.truncatedAlerts !== 'number' || !Number.isInteger(body.truncatedAlerts) || body.truncatedAlerts < 0) {
      return fail('truncatedAlerts: must be a non-negative integer');
    }
    truncatedAlerts = body.truncatedAlerts;
  }
  const receiver = optionalString(body.receiver, 'receiver');
  if (!receiver.ok) return receiver;
  const externalURL = optionalString(body.externalURL, 'externalURL');
  if (!externalURL.ok) return externalURL;
  const groupLabels = stringMap(body.groupLabels, 'groupLabels', false);
  if (!groupLabels.ok) return groupLabels;
  const commonLabels = stringMap(body.commonLabels, 'commonLabels', false);
  if (!commonLabels.ok) return commonLabels;
  const commonAnnotations = stringMap(body.commonAnnotations, 'commonAnnotations', false);
  if (!commonAnnotations.ok) return commonAnnotations;

  const alerts: AlertmanagerAlert[] = [];
  for (let i = 0; i < body.alerts.length; i++) {
    const alert = parseAlert(body.alerts[i], `alerts[${i}]`);
    if (!alert.ok) return alert;
    alerts.push(alert.value);
  }
  return {
    ok: true,
    value: {
      version: '4',
      groupKey: body.groupKey,
      truncatedAlerts,
      status: status.value,
      receiver: receiver.value,
      groupLabels: groupLabels.value,
      commonLabels: commonLabels.value,
      commonAnnotations: commonAnnotations.value,
      externalURL: externalURL.value,
      alerts,
    },
  };
}

/** critical→P0, error/high→P1, warning→P2, info→P3, P0..P3 as is (case-insensitive); otherwise the default. */
export function mapSeverity(label: string | undefined, defaultSeverity: Severity): Severity {
  const value = (label ?? '').trim().toLowerCase();
  switch (value) {
    case 'critical':
    case 'p0':
      return 'P0';
    case 'error':
    case 'high':
    case 'p1':
      return 'P1';
    case 'warning':
    case 'p2':
      return 'P2';
    case 'info':
    case 'p3':
      return 'P3';
    default:
      return defaultSeverity;
  }
}

function sha256Hex(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

/** The alert fingerprint, or (older Alertmanagers) a stable hash of groupKey and the sorted label set. */
export function alertDedupKey(alert: AlertmanagerAlert, groupKey: string): string {
  if (alert.fingerprint) return alert.fingerprint;
  const labels = Object.keys(alert.labels)
    .sort()
    .map((k) => `${k}=${alert.labels[k] ?? ''}`)
    .join('\u0000');
  return sha256Hex(`${groupKey}\u0000${labels}`).slice(0, 16);
}

/**
 * Deterministic Incident name: `am-<24 hex of sha256(dedupKey)>`, a DNS-1123 label. Firing and resolved
 * notifications of one alert map to the same name. No label text goes into the name (an alertname or label can
 * carry anything, and names are shown everywhere): the second argument is accepted for callers and ignored.
 */
export function incidentNameFor(dedupKey: string, _alertname?: string): string {
  return `${IncidentNamePrefix}-${sha256Hex(`incident-name\u0000${dedupKey}`).slice(0, 24)}`;
}

/** The namespace an alert is for: its `namespace` label, else the default; undefined when neither is valid. */
export function alertNamespace(alert: AlertmanagerAlert, opts: Pick<IntentOptions, 'defaultNamespace'>): string | undefined {
  const ns = alert.labels.namespace;
  if (ns !== undefined && isDns1123Label(ns)) return ns;
  if (opts.defaultNamespace !== undefined && isDns1123Label(opts.defaultNamespace)) return opts.defaultNamespace;
  return undefined;
}

function alertSummary(alert: AlertmanagerAlert): string {
  const text = alert.annotations.summary || alert.annotations.description || alert.labels.alertname || 'Alertmanager alert';
  return safeText(text, SummaryMax) || 'Alertmanager alert';
}

/**
 * One intent per alert: firing → FiringIncidentIntent, resolved → ResolvedIncidentIntent. Alerts without a
 * usable namespace (and no valid defaultNamespace) are skipped; repeated alerts (same name) are kept once.
 */
export function alertsToIncidentIntents(payload: AlertmanagerPayload, opts: IntentOptions): IncidentIntent[] {
  const intents: IncidentIntent[] = [];
  const seen = new Set<string>();
  for (const alert of payload.alerts) {
    const namespace = alertNamespace(alert, opts);
    if (!namespace) continue;
    const dedupKey = alertDedupKey(alert, payload.groupKey);
    const name = incidentNameFor(dedupKey, alert.labels.alertname);
    if (seen.has(name)) continue;
    seen.add(name);
    if (alert.status === 'resolved') {
      intents.push({ resolved: true, name, namespace, endsAt: new Date(Date.parse(alert.endsAt)).toISOString(), dedupKey });
      continue;
    }
    const intent: FiringIncidentIntent = {
      resolved: false,
      name,
      namespace,
      severity: mapSeverity(alert.labels.severity, opts.defaultSeverity),
      summary: alertSummary(alert),
      dedupKey,
      startsAt: new Date(Date.parse(alert.startsAt)).toISOString(),
    };
    const deployment = alert.labels.deployment;
    if (deployment !== undefined && isDns1123Subdomain(deployment)) intent.target = deployment;
    const runbook = alert.labels.runbook;
    if (runbook !== undefined && isDns1123Label(runbook)) intent.runbook = runbook;
    intents.push(intent);
  }
  return intents;
}
