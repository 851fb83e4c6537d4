/**
 * The operator's own start-up with a bad kubeconfig (bad input at the front door): a clear error naming the
 * file, exit code 2, and nothing of the file's content — a YAML parser's message quotes the lines around the
 * error, and a kubeconfig holds bearer tokens and client keys. Canaries planted as the token, the key data
 * and the server address must not reach the operator's output. No cluster is needed.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/cluster.js';
import { operatorEntryArgs } from '../../harness/operator-build.js';
import { canary, found } from '../../harness/canaries.js';

function runOperator(kubeconfig: string): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' };
  delete env.KUBERNETES_SERVICE_HOST;
  const proc = spawn(process.execPath, operatorEntryArgs(), { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, out })));
}

describe('main: start-up with a bad kubeconfig', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'incop-kubeconfig-'));

  it('a malformed kubeconfig: exit 2, the file named, none of its content (token, key, server) in the output', async () => {
    const [token, key, server] = [canary(), canary(), canary()];
    const path = join(dir, 'malformed.yaml');
    // Broken right after the secrets, so the parser's excerpt (a few lines either side) would contain them.
    writeFileSync(path, [
      'apiVersion: v1', 'kind: Config', 'clusters:', `- name: c`, `  cluster: { server: "https://${server}.example.test:6443" }`,
      'users:', '- name: u', '  user:', `    token: ${token}`, `    client-key-data: ${key}`, '  : : broken: [', '',
    ].join('\n'));
    const { code, out } = await runOperator(path);
    expect(code).to.equal(2);
    const line = out.split('\n').find((l) => l.includes('cannot load the Kubernetes configuration'));
    expect(line, out.slice(0, 2000)).to.be.a('string');
    expect(JSON.parse(line!)).to.deep.include({ level: 'error', kubeconfig: path, error: 'YAMLException' });
    expect(found(out, [token, key, server])).to.deep.equal([]);
  });

  it('a kubeconfig that does not exist: exit 2 with the file named and ENOENT, no stack trace', async () => {
    const path = join(dir, 'missing.yaml');
    const { code, out } = await runOperator(path);
    expect(code).to.equal(2);
    const line = out.split('\n').find((l) => l.includes('cannot load the Kubernetes configuration'));
    expect(JSON.parse(line!)).to.deep.include({ kubeconfig: path, code: 'ENOENT' });
    expect(out).to.not.match(/\n\s+at /);
  });
});
