/**
 * Restarts ONLY the kube-apiserver of the shared kwok cluster: the process named in kwokctl's pid file is
 * stopped with SIGTERM, and `kwokctl start cluster` starts it again with the cluster's own configuration
 * (kwokctl starts exactly the components whose pid file names no running process; etcd and kwok keep
 * running). kube-controller-manager and kube-scheduler exit by design when they cannot renew their leader
 * lease during the outage: they are started again the same way, so the cluster is whole afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCluster, repoRoot } from './cluster.js';

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'] as const;
/** kube-controller-manager / kube-scheduler renew deadline is 10 s: after that long they are either fine or gone. */
const COMPONENT_SETTLE_MS = 12_000;

function clusterName(): string {
  return process.env.CLUSTER_NAME || 'incident-operator';
}

function clusterDir(): string {
  return join(repoRoot, '.cache/kwok/clusters', clusterName());
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function componentPid(component: string): number | undefined {
  const file = join(clusterDir(), 'pids', `${component}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

/** Components of the cluster whose process is not running. */
export function deadComponents(): string[] {
  return COMPONENTS.filter((c) => componentPid(c) === undefined);
}

/** `kwokctl start cluster`: starts the components that are not running, leaves the others alone. */
export function kwokctlStartCluster(): void {
  const { binDir } = ensureCluster();
  const r = spawnSync(join(binDir, 'kwokctl'), ['start', 'cluster', '--name', clusterName()], {
    encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KWOK_WORKDIR: join(repoRoot, '.cache/kwok') },
  });
  if (r.status !== 0) throw new Error(`kwokctl start cluster failed: ${r.stderr}`);
}

/** `kubectl get --raw /readyz` with the admin kubeconfig says ok. */
export function apiserverReady(): boolean {
  const { binDir, kubeconfig } = ensureCluster();
  const r = spawnSync(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz', '--request-timeout=3s'], { encoding: 'utf8', timeout: 5_000 });
  return r.status === 0 && r.stdout.trim() === 'ok';
}

export async function waitForApiserverReady(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (apiserverReady()) return;
    await sleep(250);
  }
  throw new Error(`kube-apiserver not ready after ${timeoutMs} ms`);
}

/** Watches the components for `settleMs` and starts any that exited; returns the ones that had to be started. */
export async function healComponents(settleMs = COMPONENT_SETTLE_MS): Promise<string[]> {
  const restarted = new Set<string>();
  const deadline = Date.now() + settleMs;
  for (;;) {
    const dead = deadComponents();
    if (dead.length > 0) {
      dead.forEach((c) => restarted.add(c));
      kwokctlStartCluster();
    }
    if (Date.now() >= deadline) break;
    await sleep(500);
  }
  const still = deadComponents();
  if (still.length > 0) throw new Error(`cluster components not running: ${still.join(', ')}`);
  return [...restarted];
}

export interface RestartResult { oldPid: number; newPid: number; outageMs: number; restartedComponents: string[] }

/** Stops the kube-apiserver, keeps it down for `downMs`, starts it again and waits until the cluster is whole. */
export async function restartKubeApiserver(opts: { downMs?: number; readyTimeoutMs?: number } = {}): Promise<RestartResult> {
  const oldPid = componentPid('kube-apiserver');
  if (oldPid === undefined) throw new Error('kube-apiserver is not running');
  const argv0 = readFileSync(`/proc/${oldPid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  if (!argv0.endsWith('kube-apiserver')) throw new Error(`pid ${oldPid} is not a kube-apiserver: ${argv0}`);
  const t0 = Date.now();
  process.kill(oldPid, 'SIGTERM');
  for (let i = 0; alive(oldPid); i++) {
    if (i === 20) process.kill(oldPid, 'SIGKILL'); // its graceful shutdown can take 30 s and more
    await sleep(250);
  }
  await sleep(opts.downMs ?? 0);
  const diedMeanwhile = deadComponents().filter((c) => c !== 'kube-apiserver');
  kwokctlStartCluster();
  await waitForApiserverReady(opts.readyTimeoutMs ?? 90_000);
  const outageMs = Date.now() - t0;
  const newPid = componentPid('kube-apiserver');
  if (newPid === undefined) throw new Error('kube-apiserver did not stay up');
  const restartedComponents = [...new Set([...diedMeanwhile, ...await healComponents()])];
  await waitForApiserverReady(30_000);
  return { oldPid, newPid, outageMs, restartedComponents };
}

/**
 * For `finally`: makes sure every component runs and the kube-apiserver is ready. Uses `kwokctl start
 * cluster`; as a last resort test/cluster/up.sh (which may recreate the cluster).
 */
export async function ensureControlPlaneRunning(): Promise<void> {
  try {
    if (deadComponents().length > 0) kwokctlStartCluster();
    await waitForApiserverReady(60_000);
    await healComponents(2_000);
  } catch {
    const r = spawnSync('bash', [join(repoRoot, 'test/cluster/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60_000 });
    if (r.status !== 0) throw new Error('could not bring the control plane back (test/cluster/up.sh failed)');
    await waitForApiserverReady(60_000);
  }
}
