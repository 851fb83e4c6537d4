/**
 * helm (built from the pinned Go module by scripts/build-helm.sh, cached under .cache/bin) against the shared
 * local control plane, and manifests as objects (kubectl's client-side dry run turns YAML into JSON).
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureCluster, kubectl, repoRoot } from './cluster.js';

const execFileAsync = promisify(execFile);
export const ChartDir = join(repoRoot, 'charts/incident-operator');

let helmPath: string | undefined;
/** The helm binary (builds it on first use when the cache is cold). */
export function helmBinary(): string {
  if (helmPath) return helmPath;
  const r = spawnSync('bash', [join(repoRoot, 'scripts/build-helm.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 40 * 60_000 });
  if (r.status !== 0) throw new Error(`scripts/build-helm.sh failed (${r.status})`);
  helmPath = r.stdout.trim().split('\n').pop()!;
  return helmPath;
}

export interface HelmResult { code: number; stdout: string; stderr: string }

export async function helm(args: string[]): Promise<HelmResult> {
  const { kubeconfig } = ensureCluster();
  try {
    const { stdout, stderr } = await execFileAsync(helmBinary(), args, {
      encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, KUBECONFIG: kubeconfig, HELM_CACHE_HOME: join(repoRoot, '.cache/helm/cache'), HELM_CONFIG_HOME: join(repoRoot, '.cache/helm/config'), HELM_DATA_HOME: join(repoRoot, '.cache/helm/data') },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** `helm template` of the chart with `--set` pairs (and --set-json for arrays); throws on failure. */
export async function helmTemplate(release: string, namespace: string, set: Record<string, string> = {}, setJson: Record<string, unknown> = {}): Promise<string> {
  const args = ['template', release, ChartDir, '--namespace', namespace];
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
  for (const [k, v] of Object.entries(setJson)) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  const r = await helm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A Kubernetes object as JSON (tests index into it freely). */
export type K8sObject = any;

/** The objects of a YAML stream (or of files), as the API would see them. */
export async function manifestObjects(source: { yaml: string } | { files: string[] }): Promise<K8sObject[]> {
  const args = ['create', '--dry-run=client', '-o', 'json'];
  if ('files' in source) for (const f of source.files) args.push('-f', f); else args.push('-f', '-');
  const r = await kubectl(args, 'yaml' in source ? { input: source.yaml } : {});
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.split(/\n(?=\{)/).filter((d) => d.trim()).flatMap((d) => { const o = JSON.parse(d); return o.kind === 'List' ? o.items : [o]; });
}

export const find = (objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace));
