/**
 * The operator's RBAC variants on the shared control plane: the cluster-wide deploy/rbac.yaml (installed by the
 * harness) and the namespaced deploy/rbac-namespaced/ installed for a test under its own operator namespace (so
 * it never mixes with the cluster-wide binding of incident-operator-system), and `kubectl auth can-i --list`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyYaml, kubectl, repoRoot } from './cluster.js';

export const OPERATOR_SA = 'incident-operator';

export function saUser(operatorNamespace: string, sa = OPERATOR_SA): string {
  return `system:serviceaccount:${operatorNamespace}:${sa}`;
}

/** deploy/rbac-namespaced/ for `operatorNamespace` and each watched namespace (the README's sed, done here). */
export function namespacedRbacYaml(operatorNamespace: string, watched: readonly string[]): string {
  const dir = join(repoRoot, 'deploy/rbac-namespaced');
  const base = readFileSync(join(dir, 'base.yaml'), 'utf8').replaceAll('incident-operator-system', operatorNamespace);
  const perNs = readFileSync(join(dir, 'watched-namespace.yaml'), 'utf8').replaceAll('incident-operator-system', operatorNamespace);
  return [base, ...watched.map((ns) => perNs.replaceAll('WATCHED_NAMESPACE', ns))].join('\n---\n');
}

export async function installNamespacedRbac(operatorNamespace: string, watched: readonly string[]): Promise<void> {
  await applyYaml(namespacedRbacYaml(operatorNamespace, watched));
}

export async function removeNamespacedRbac(operatorNamespace: string, watched: readonly string[]): Promise<void> {
  for (const ns of watched) {
    await kubectl(['delete', 'clusterrolebinding,clusterrole', `incident-operator-namespace-${ns}`, '--ignore-not-found']);
  }
  await kubectl(['delete', 'namespace', operatorNamespace, '--wait=false', '--ignore-not-found']);
}

/**
 * `kubectl auth can-i --list` as `user` in `namespace`, normalised for a golden file: columns separated by one
 * space, rows sorted, and the given names replaced by placeholders (test namespaces have random suffixes).
 */
export async function canIList(user: string, namespace: string, placeholders: Record<string, string>): Promise<string> {
  const r = await kubectl(['auth', 'can-i', '--list', `--as=${user}`, '-n', namespace]);
  if (r.code !== 0) throw new Error(`kubectl auth can-i --list: ${r.stderr}`);
  const names = Object.entries(placeholders).sort((a, b) => b[0].length - a[0].length);
  const rows = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    let row = l.split(/\s{2,}/).join(' | ');
    for (const [name, placeholder] of names) row = row.replaceAll(name, placeholder);
    return row;
  });
  const [header, ...body] = rows;
  return [header, ...body.sort()].join('\n') + '\n';
}
