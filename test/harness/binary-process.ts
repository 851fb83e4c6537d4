/**
 * Shared plumbing for the Prometheus and Alertmanager harnesses: a free loopback port, a child process kept
 * with its output, readiness polling and a stop that never leaves the process behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a checker (promtool, amtool) synchronously; throws with its output when it rejects the file. */
export function mustPass(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 60_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed (exit ${r.status}): ${out.slice(-2000)}`);
  return out;
}

export interface BinaryProcess {
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Stops it hard without cleanup (to simulate an outage), keeping the harness's files. */
  kill(): Promise<void>;
}

export function startBinary(binary: string, args: string[]): BinaryProcess {
  let output = '';
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => { output = (output + b.toString()).slice(-20_000); });
  child.stderr?.on('data', (b: Buffer) => { output = (output + b.toString()).slice(-20_000); });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
  };
  return { child, output: () => output, stop: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') };
}

export async function waitReady(url: string, proc: BinaryProcess, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}): ${proc.output().slice(-2000)}`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${what} not ready in ${timeoutMs} ms: ${proc.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
