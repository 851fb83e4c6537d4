/**
 * The operator the integration tests run as a child process, compiled once per test run (tsc, incremental)
 * into dist-test/ and started with plain node, as the image starts dist/main.js. Starting under tsx
 * compiled every module on each start (about 1.5 s more per start on 2 cores, and the suites start the
 * operator a few hundred times: the kill suite alone ~40 replicas). The build is from the working tree at
 * the start of the run, so a test never runs stale code; OPERATOR_FROM_SOURCE=1 runs src/main.ts under tsx.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cluster.js';

/** Beside dist/ (not under .cache/): src/server/metrics.ts reads ../../package.json relative to itself. */
export const TEST_BUILD_DIR = join(repoRoot, 'dist-test');

let built: string | undefined;

/** node's arguments to start the operator: the compiled entry point, built on first use in this process. */
export function operatorEntryArgs(): string[] {
  if (process.env.OPERATOR_FROM_SOURCE === '1') return ['--import', 'tsx', join(repoRoot, 'src/main.ts')];
  if (built === undefined) {
    const t0 = Date.now();
    execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), [
      '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', TEST_BUILD_DIR,
      '--incremental', '--tsBuildInfoFile', join(TEST_BUILD_DIR, '.tsbuildinfo'),
    ], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    built = join(TEST_BUILD_DIR, 'main.js');
    console.log(`      [harness] operator compiled to dist-test/ in ${Date.now() - t0} ms`);
  }
  return [built];
}
