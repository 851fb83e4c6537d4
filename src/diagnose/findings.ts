/**
 * One Kubernetes Event per diagnosis finding (`kubectl describe incident` reads like the runbook's
 * checklist). Pure; messages come from the already-redacted diagnosis record.
 */
import type { DiagnosisStatus } from '../api/diagnosis.js';

export interface Finding { type: 'Normal' | 'Warning'; reason: string; message: string }

export function diagnosisFindings(d: DiagnosisStatus): Finding[] {
  const out: Finding[] = [];
  if (d.pods) {
    out.push(d.pods.crashLoopingPods > 0
      ? { type: 'Warning', reason: 'PodsCrashLooping', message: `${d.pods.crashLoopingPods}/${d.pods.total} pods crash-looping; ${d.pods.summary}` }
      : { type: 'Normal', reason: 'PodsChecked', message: d.pods.summary });
  }
  if (d.logs) {
    const top = d.logs.signatures[0];
    out.push(top
      ? { type: 'Warning', reason: 'ErrorSignaturesFound', message: `${d.logs.signatures.length} error signature(s) in ${d.logs.linesScanned} lines; top: '${top.signature}' x${top.count}` }
      : { type: 'Normal', reason: 'NoErrorSignatures', message: `no error lines in ${d.logs.linesScanned} log lines` });
  }
  if (d.history) {
    const lkg = d.history.lastKnownGood;
    out.push(lkg.revision !== null
      ? { type: 'Normal', reason: 'LastKnownGoodRevision', message: `current revision ${d.history.currentRevision ?? '?'}; last known good: revision ${lkg.revision} (${lkg.source}: ${lkg.note})` }
      : { type: 'Warning', reason: 'NoKnownGoodRevision', message: lkg.note });
  }
  if (d.database) {
    const reachable = d.database.connectivity?.reachable === true;
    out.push({ type: reachable ? 'Normal' : 'Warning', reason: reachable ? 'DatabaseReachable' : 'DatabaseUnreachable', message: d.database.summary });
    const n = d.database.load?.longRunningQueries.length ?? 0;
    if (n > 0) out.push({ type: 'Warning', reason: 'LongRunningQueries', message: `${n} quer${n === 1 ? 'y' : 'ies'} over ${d.database.load!.longQueryThresholdSeconds}s; blocked sessions: ${d.database.load!.blocking.length}` });
  }
  if (d.sharedCause?.shared) out.push({ type: 'Warning', reason: 'SharedCauseSuspected', message: d.sharedCause.message });
  for (const c of d.checks) if (!c.ok) out.push({ type: 'Warning', reason: 'CheckFailed', message: `${c.name} check failed: ${c.error ?? 'error'}` });
  return out.map((f) => ({ ...f, message: f.message.slice(0, 1024) }));
}
