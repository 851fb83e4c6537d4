/** Deployments for the "who may make the operator act" suites: proven (last known good recorded) or not, then broken. */
import { applyDeployment, getDeployment, imageOf, revisionOf, waitForCrashLoop, waitForHealthy, waitForLastKnownGood, waitForRevision, type Json } from './rollout.js';

export const OPT_IN_REMEDIATION = { 'runbook.dev/remediation': 'enabled' } as const;

export interface BrokenTarget { name: string; good: string; bad: string }

/**
 * Revision 1 healthy and — for an opted-in Deployment (the operator records only those) — recorded as last known
 * good (needs a running operator), then revision 2 crash-looping.
 */
export async function provenThenBroken(ns: string, name: string, labels: Record<string, string> = {}, opts: { recorded?: boolean } = {}): Promise<BrokenTarget> {
  const good = `example.test/${name}:1.0.0`;
  const bad = `example.test/${name}:2.0.0-bad`;
  await applyDeployment({ name, namespace: ns, image: good, replicas: 2, labels });
  await waitForHealthy(ns, name, good);
  if (opts.recorded !== false) await waitForLastKnownGood(ns, name, 1, 60_000);
  await applyDeployment({ name, namespace: ns, image: bad, replicas: 2, labels, crashLoop: true });
  await waitForRevision(ns, name, 2);
  await waitForCrashLoop(ns, name, { image: bad });
  return { name, good, bad };
}

/** Revisions 1..n healthy (never recorded: no operator runs yet), then revision n+1 crash-looping. */
export async function unprovenThenBroken(ns: string, name: string, labels: Record<string, string> = {}, healthyRevisions = 1): Promise<BrokenTarget> {
  let good = '';
  for (let r = 1; r <= healthyRevisions; r++) {
    good = `example.test/${name}:${r}.0.0`;
    await applyDeployment({ name, namespace: ns, image: good, replicas: 2, labels });
    await waitForHealthy(ns, name, good);
  }
  const bad = `example.test/${name}:9.0.0-bad`;
  await applyDeployment({ name, namespace: ns, image: bad, replicas: 2, labels, crashLoop: true });
  await waitForRevision(ns, name, healthyRevisions + 1);
  await waitForCrashLoop(ns, name, { image: bad });
  return { name, good, bad };
}

export async function revisionAndImage(ns: string, name: string): Promise<{ revision: number; image: string | undefined; deployment: Json }> {
  const d = await getDeployment(ns, name);
  return { revision: revisionOf(d), image: imageOf(d), deployment: d };
}
