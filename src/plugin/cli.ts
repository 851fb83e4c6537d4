/**
 * Entry of the `kubectl incident` plugin (bin/kubectl-incident loads it through tsx): wires the process
 * (argv, env, stdout/stderr, the system clock, kubectl on PATH) into `main`.
 */
import { systemClock } from '../runtime/clock.js';
import { main } from './kubectl-incident.js';
import { runKubectl } from './run-kubectl.js';

export function runCli(argv: readonly string[]): Promise<number> {
  return main(argv, {
    kubectl: runKubectl,
    env: process.env,
    now: () => systemClock.now(),
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
}
