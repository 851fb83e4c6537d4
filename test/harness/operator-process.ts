/**
 * Runs the real operator (src/main.ts, compiled once per run: operator-build.ts) as a child process under the operator ServiceAccount's token,
 * limited to the test's namespaces, and keeps everything it logs (for PHI canary checks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { repoRoot, serviceAccountKubeconfig, waitFor } from './cluster.js';
import { operatorEntryArgs } from './operator-build.js';

export interface OperatorProcess {
  proc: ChildProcess;
  identity: string;
  output(): string;
  logLines(): Record<string, unknown>[];
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited(): boolean;
}

let saKubeconfig: string | undefined;

export interface OperatorProcessOptions {
  namespaces: string[];
  leaseName?: string;
  env?: Record<string, string>;
  identity?: string;
}

export function startOperatorProcess(opts: OperatorProcessOptions): OperatorProcess {
  saKubeconfig ??= serviceAccountKubeconfig();
  const identity = opts.identity ?? `test-${randomBytes(3).toString('hex')}`;
  const proc = spawn(process.execPath, operatorEntryArgs(), {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: saKubeconfig,
      WATCH_NAMESPACES: opts.namespaces.join(','),
      LEASE_NAME: opts.leaseName ?? `incident-operator-${opts.namespaces[0]}`,
      OPERATOR_IDENTITY: identity,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      MONITOR_WINDOW_SECONDS: '3',
      HEALTHY_STABLE_WINDOW_SECONDS: '2',
      LOG_LEVEL: 'debug',
      // Suites older than issue 14 open signal-less APIOutage Incidents on healthy targets and expect pod readiness
      // to resolve them; the health-signal suites (test/integration/signals/) run with the default (true).
      SYMPTOMS_REQUIRE_SIGNALS: 'false',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exitCode: number | null | undefined;
  proc.stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  proc.stderr.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  const exitPromise = new Promise<number | null>((resolve) => proc.on('exit', (code, sig) => { exitCode = code ?? (sig ? 128 : null); resolve(exitCode); }));
  const logLines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return { raw: l }; } });
  return {
    proc,
    identity,
    output: () => out,
    logLines,
    waitForLog: (pattern, timeoutMs = 60_000) => waitFor(`operator log ${pattern}`, () => logLines().find((l) => pattern.test(JSON.stringify(l))), timeoutMs),
    async kill(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      proc.kill(signal);
      return exitPromise;
    },
    exited: () => exitCode !== undefined,
  };
}

/** Stops operator processes (SIGTERM); when a test failed, prints the tail of each one's log. */
export async function stopOperators(ops: readonly (OperatorProcess | undefined)[], failed: boolean, lines = 60): Promise<void> {
  for (const op of ops) {
    if (!op) continue;
    const code = await op.kill('SIGTERM');
    if (failed) console.log(`operator ${op.identity} exit ${code}; last log lines:\n${op.output().split('\n').slice(-lines).join('\n')}`);
  }
}
