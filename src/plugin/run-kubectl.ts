/** Runs kubectl from PATH with an argv array (no shell): the plugin's only effect on the cluster. */
import { execFile } from 'node:child_process';
import type { KubectlResult } from './kubectl-incident.js';

const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const KUBECTL_TIMEOUT_MS = 60_000;

export function runKubectl(args: string[]): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { maxBuffer: MAX_OUTPUT_BYTES, timeout: KUBECTL_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        // Spawn failure (kubectl not on PATH), timeout or signal.
        const why = error.code === 'ENOENT' ? 'kubectl not found on PATH' : error.killed ? 'kubectl timed out' : error.message;
        resolve({ code: 127, stdout, stderr: `${stderr}${why}` });
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}
