/**
 * The shared local control plane for integration tests: brought up by test/cluster/up.sh (reused when
 * already running), CRDs and RBAC installed, one namespace per test file.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';

const execFileAsync = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '../..');

export interface ClusterHandle {
  kubeconfig: string;
  binDir: string;
  startedByUs: boolean;
}

let handle: ClusterHandle | undefined;

function sh(script: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('bash', [join(repoRoot, script)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 80 * 60_000,
  });
  if (r.status !== 0) throw new Error(`${script} failed with exit code ${r.status}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

export function ensureCluster(): ClusterHandle {
  if (handle) return handle;
  const binDir = sh('test/cluster/build-binaries.sh');
  const kubeconfigCandidate = join(repoRoot, '.cache/kwok/clusters', process.env.CLUSTER_NAME || 'incident-operator', 'kubeconfig.yaml');
  let wasRunning = false;
  try {
    const out = spawnSync(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigCandidate, 'get', '--raw', '/healthz'], { encoding: 'utf8', timeout: 5000 });
    wasRunning = out.stdout.trim() === 'ok';
  } catch { /* not running */ }
  const kubeconfig = sh('test/cluster/up.sh');
  handle = { kubeconfig, binDir, startedByUs: !wasRunning };
  kubectlSync(['apply', '-f', join(repoRoot, 'crds')]);
  for (const crd of ['incidents.runbook.dev', 'escalationpolicies.runbook.dev']) waitEstablished(crd);
  kubectlSync(['apply', '-f', join(repoRoot, 'deploy/rbac.yaml')]);
  return handle;
}

/**
 * Polls the CRD's Established condition (60 s). Not `kubectl wait`: on a CRD created a moment ago it fails at once
 * ("status.conditions accessor error: <nil>") instead of waiting for the condition to appear.
 */
function waitEstablished(crd: string): void {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // JSON, not a jsonpath filter: kubectl fails a filter over absent conditions instead of printing nothing.
    const conditions = (JSON.parse(kubectlSync(['get', 'crd', crd, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string }[] | null } }).status?.conditions ?? [];
    const status = conditions.find((c) => c.type === 'Established')?.status ?? '';
    if (status === 'True') return;
    if (Date.now() > deadline) throw new Error(`CRD ${crd} not Established after 60 s (condition: ${status || 'absent'})`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

export function stopClusterIfStartedByUs(): void {
  if (handle?.startedByUs && process.env.KEEP_CLUSTER !== '1') sh('test/cluster/down.sh');
  handle = undefined;
}

function requireHandle(): ClusterHandle {
  if (!handle) throw new Error('cluster not started: call ensureCluster() first');
  return handle;
}

export function kubectlSync(args: string[], input?: string): string {
  const h = requireHandle();
  const r = spawnSync(join(h.binDir, 'kubectl'), ['--kubeconfig', h.kubeconfig, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface KubectlResult { code: number; stdout: string; stderr: string }

/** kubectl that reports failures instead of throwing (for tests of rejections). */
export async function kubectl(args: string[], opts: { input?: string; kubeconfig?: string; env?: NodeJS.ProcessEnv } = {}): Promise<KubectlResult> {
  const h = requireHandle();
  const child = execFileAsync(join(h.binDir, 'kubectl'), ['--kubeconfig', opts.kubeconfig ?? h.kubeconfig, ...args], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, PATH: `${h.binDir}:${process.env.PATH}`, ...opts.env },
  });
  if (opts.input !== undefined) { child.child.stdin?.end(opts.input); }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

export async function applyYaml(yaml: string, namespace?: string): Promise<void> {
  const r = await kubectl(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], { input: yaml });
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

/** A fresh namespace for one test file; returns its name. */
export async function createTestNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  const labelYaml = Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`).join('\n');
  await applyYaml(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    runbook.dev/test: "true"\n${labelYaml}\n`);
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

/** A kubeconfig that authenticates as the operator's ServiceAccount (proves deploy/rbac.yaml). */
export function serviceAccountKubeconfig(sa = 'incident-operator', namespace = 'incident-operator-system'): string {
  const h = requireHandle();
  const token = kubectlSync(['create', 'token', sa, '-n', namespace, '--duration', '10h']).trim();
  const admin = readFileSync(h.kubeconfig, 'utf8');
  const server = /server:\s*(\S+)/.exec(admin)?.[1];
  const ca = /certificate-authority(?:-data)?:\s*(\S+)/.exec(admin);
  if (!server || !ca) throw new Error('cannot read server / CA from the admin kubeconfig');
  const caLine = ca[0].startsWith('certificate-authority-data') ? `certificate-authority-data: ${ca[1]}` : `certificate-authority: ${ca[1]}`;
  const dir = mkdtempSync(join(tmpdir(), 'incop-sa-'));
  const path = join(dir, 'kubeconfig.yaml');
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: local', '  cluster:', `    server: ${server}`, `    ${caLine}`,
    'users:', `- name: ${sa}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: sa', '  context:', '    cluster: local', `    user: ${sa}`,
    'current-context: sa', '',
  ].join('\n'), { mode: 0o600 });
  return path;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) { lastError = e; }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError instanceof Error ? String(lastError) : JSON.stringify(lastError)}` : ''}`);
}

export async function getJson<T = any>(args: string[]): Promise<T> {
  const r = await kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Adds simulated nodes (kwokctl scale node) so `pods` pods fit (≤ 250 per node: each node has a /24 pod CIDR). */
export function ensureNodeCapacity(pods: number, podsPerNode = 250): number {
  const h = requireHandle();
  const nodes = JSON.parse(kubectlSync(['get', 'nodes', '-o', 'json'])) as { items: { status?: { allocatable?: { pods?: string } } }[] };
  const capacity = nodes.items.reduce((n, x) => n + Number(x.status?.allocatable?.pods ?? 0), 0);
  if (capacity >= pods) return nodes.items.length;
  const want = nodes.items.length + Math.ceil((pods - capacity) / podsPerNode);
  const r = spawnSync(join(h.binDir, 'kwokctl'), ['scale', 'node', '--name', process.env.CLUSTER_NAME || 'incident-operator', '--replicas', String(want), '--param', `.allocatable.pods=${podsPerNode}`], {
    encoding: 'utf8', env: { ...process.env, PATH: `${h.binDir}:${process.env.PATH}`, KWOK_WORKDIR: process.env.KWOK_WORKDIR || join(repoRoot, '.cache/kwok') }, timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`kwokctl scale node failed: ${r.stderr}`);
  return want;
}
