/**
 * Runbook "API Service Outage" step 2 (`kubectl logs --tail=100`), PHI-safe: the last 100 lines of each
 * failing container (the previous container when it restarted) are reduced to error signatures inside
 * this function; raw lines never leave it.
 */
import type * as k8s from '@kubernetes/client-node';
import { withTimeout } from '../runtime/clock.js';
import { extractErrorSignatures, type LogSignatureReport } from '../redact/log-signatures.js';
import type { PodSummary } from '../decide/pod-health.js';
import { errorMessage } from '../decide/errors.js';

export interface LogEvidence {
  podsSampled: number;
  containersRead: number;
  failures: { pod: string; container: string; reason: string }[];
  report: LogSignatureReport;
}

export interface LogCollectionOptions {
  maxPods?: number;
  tailLines?: number;
  timeoutMs?: number;
  maxSignatures?: number;
}

export async function collectLogSignatures(
  core: k8s.CoreV1Api,
  namespace: string,
  failingPods: readonly PodSummary[],
  opts: LogCollectionOptions = {},
): Promise<LogEvidence> {
  const maxPods = opts.maxPods ?? 3;
  const tailLines = opts.tailLines ?? 100;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const sample = failingPods.slice(0, maxPods);
  const reads = sample.flatMap((pod) => pod.containers
    .filter((c) => c.state !== 'running' || c.restartCount > 0)
    .map(async (c) => {
      const previous = c.restartCount > 0;
      try {
        const text = await withTimeout(core.readNamespacedPodLog({ name: pod.name, namespace, container: c.name, tailLines, previous }), timeoutMs);
        return { ok: true as const, lines: String(text ?? '').split('\n').filter((l) => l.length > 0) };
      } catch (e) {
        return { ok: false as const, failure: { pod: pod.name, container: c.name, reason: classify(e) } };
      }
    }));
  const results = await Promise.all(reads);
  const lines: string[] = [];
  const failures: LogEvidence['failures'] = [];
  for (const r of results) {
    if (r.ok) lines.push(...r.lines); else failures.push(r.failure);
  }
  const report = extractErrorSignatures(lines, { maxSignatures: opts.maxSignatures ?? 5, maxExcerptLines: 5 });
  lines.length = 0;
  return { podsSampled: sample.length, containersRead: results.filter((r) => r.ok).length, failures, report };
}

function classify(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  if (typeof code === 'number') return `HTTP ${code}`;
  if (errorMessage(e) === 'timeout') return 'Timeout';
  return 'ReadFailed';
}

