/**
 * Observing a running operator process and the Incidents it writes: its HTTP address and endpoints, its
 * structured log records, its leader-election Lease, and consistency checks of an Incident's timeline.
 */
import http from 'node:http';
import { getJson, kubectl, waitFor } from './cluster.js';
import type { OperatorProcess } from './operator-process.js';

export type Json = any;

export const OPERATOR_NAMESPACE = 'incident-operator-system';

/** Log records whose `message` equals `message` (winston JSON lines). */
export function logRecords(op: OperatorProcess, message: string): Record<string, unknown>[] {
  return op.logLines().filter((l) => l.message === message);
}

/** `host:port` the operator logged in "http server listening". */
export async function httpAddress(op: OperatorProcess, timeoutMs = 60_000): Promise<string> {
  const rec = await op.waitForLog(/"message":"http server listening"/, timeoutMs);
  const address = typeof rec.address === 'string' ? rec.address : '';
  if (!/^[\d.]+:\d+$/.test(address)) throw new Error(`unexpected http address ${JSON.stringify(address)}`);
  return address;
}

export interface HttpResponse { status: number; contentType: string; body: string }

export function httpGet(url: string, timeoutMs = 5_000): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** The Lease in the operator namespace, or undefined when it does not exist. */
export async function readLease(name: string): Promise<Json> {
  const r = await kubectl(['get', 'lease', name, '-n', OPERATOR_NAMESPACE, '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`reading lease ${name}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}

export async function deleteLease(name: string): Promise<void> {
  await kubectl(['delete', 'lease', name, '-n', OPERATOR_NAMESPACE, '--ignore-not-found']);
}

/** Waits until exactly one of `ops` has logged "leading: workers started" and returns it. */
export async function waitForSingleLeader(ops: OperatorProcess[], timeoutMs = 60_000): Promise<OperatorProcess> {
  return waitFor('one operator leading', () => {
    const leading = ops.filter((o) => !o.exited() && logRecords(o, 'leading: workers started').length > 0);
    return leading.length === 1 ? leading[0] : undefined;
  }, timeoutMs, 200);
}

/** The Incident's condition of that type, or undefined. */
export function condition(incident: Json, type: string): Json {
  return (incident?.status?.conditions ?? []).find((c: Json) => c.type === type);
}

/**
 * Problems with an Incident's timeline (empty when consistent): every (type, reason, message) appears once,
 * timelineTotal counts the entries (when none were dropped), times never go backwards.
 */
export function timelineProblems(incident: Json): string[] {
  const timeline: Json[] = incident?.status?.timeline ?? [];
  const total = incident?.status?.timelineTotal;
  const problems: string[] = [];
  if (timeline.length === 0) problems.push('timeline is empty');
  if (timeline.length <= 50 && total !== timeline.length) problems.push(`timelineTotal ${total} != ${timeline.length} entries`);
  if (timeline.length > 50) problems.push(`timeline has ${timeline.length} entries (max 50)`);
  const seen = new Map<string, number>();
  for (const e of timeline) {
    const key = JSON.stringify([e.type, e.reason ?? '', e.message]);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  for (const [key, n] of seen) if (n > 1) problems.push(`duplicated ${n}x: ${key}`);
  for (let i = 1; i < timeline.length; i++) {
    if (Date.parse(timeline[i].time) < Date.parse(timeline[i - 1].time)) problems.push(`entry ${i} (${timeline[i].type}) is older than entry ${i - 1}`);
  }
  return problems;
}

/** Reasons of the Events whose involvedObject is the Incident (what `kubectl describe` lists). */
export async function incidentEventReasons(ns: string, name: string): Promise<string[]> {
  const list = await getJson<{ items: Json[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.kind=Incident,involvedObject.name=${name}`]);
  return list.items
    .sort((a, b) => String(a.firstTimestamp ?? a.eventTime).localeCompare(String(b.firstTimestamp ?? b.eventTime)))
    .map((e) => e.reason as string);
}
