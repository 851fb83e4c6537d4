import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as lib from '../../../src/plugin/kubectl-incident.js';
import type { Command, IncidentCommand, KubectlResult } from '../../../src/plugin/kubectl-incident.js';

const BIN = resolve('bin/kubectl-incident');
const NOW = new Date('2025-06-02T10:00:00.123Z');

describe('plugin/kubectl-incident', () => {
  describe('parseArgs', () => {
    const ok: { argv: string[]; want: Partial<Command> }[] = [
      { argv: ['ack', 'api-down'], want: { command: 'ack', name: 'api-down', dryRun: false } },
      { argv: ['ack', 'api-down', '-n', 'patient-advocacy', '--by', 'alice'], want: { command: 'ack', name: 'api-down', namespace: 'patient-advocacy', by: 'alice' } },
      { argv: ['-n=ns1', 'ack', '--by=bob@example.org', 'x'], want: { command: 'ack', name: 'x', namespace: 'ns1', by: 'bob@example.org' } },
      { argv: ['resolve', 'x', '--note', 'rolled back'], want: { command: 'resolve', name: 'x', note: 'rolled back' } },
      { argv: ['resolve', 'x', '--note=a=b', '--namespace', 'ns'], want: { command: 'resolve', name: 'x', note: 'a=b', namespace: 'ns' } },
      { argv: ['timeline', 'x', '--context', 'prod', '--kubeconfig', '/k'], want: { command: 'timeline', name: 'x', context: 'prod', kubeconfig: '/k' } },
      { argv: ['approve-rollback', 'x', '--dry-run'], want: { command: 'approve-rollback', name: 'x', dryRun: true } },
      { argv: ['resolve', '--note', 'n', '--', 'x'], want: { command: 'resolve', name: 'x', note: 'n' } },
      { argv: [], want: { command: 'help' } },
      { argv: ['ack', 'x', '--help'], want: { command: 'help' } },
      { argv: ['-h'], want: { command: 'help' } },
    ];
    for (const c of ok) {
      it(`parses ${JSON.stringify(c.argv)}`, () => {
        expect(lib.parseArgs(c.argv)).to.include(c.want);
      });
    }

    const bad: { argv: string[]; want: RegExp }[] = [
      { argv: ['page', 'x'], want: /unknown command "page"/ },
      { argv: ['ack'], want: /needs the Incident NAME/ },
      { argv: ['ack', 'x', 'y'], want: /unexpected argument "y"/ },
      { argv: ['ack', 'Bad_Name'], want: /not a valid Incident name/ },
      { argv: ['ack', 'x', '-n', 'Bad.NS'], want: /not a valid namespace/ },
      { argv: ['ack', 'x', '--force'], want: /unknown flag --force/ },
      { argv: ['ack', 'x', '-n'], want: /-n needs a value/ },
      { argv: ['ack', 'x', '-n', 'a', '-n', 'b'], want: /more than once/ },
      { argv: ['ack', 'x', '--by', ' '], want: /--by must not be empty/ },
      { argv: ['ack', 'x', '--by', 'a'.repeat(129)], want: /longer than 128/ },
      { argv: ['ack', 'x', '--by', 'eve\u001b[2J'], want: /control characters/ },
      { argv: ['resolve', 'x'], want: /needs --note/ },
      { argv: ['resolve', 'x', '--note', '  '], want: /needs --note/ },
      { argv: ['resolve', 'x', '--note', 'n'.repeat(1025)], want: /longer than 1024/ },
      { argv: ['ack', 'x', '--note', 'n'], want: /only valid with resolve/ },
      { argv: ['timeline', 'x', '--by', 'alice'], want: /not valid with timeline/ },
    ];
    for (const c of bad) {
      it(`rejects ${JSON.stringify(c.argv).slice(0, 60)}`, () => {
        expect(() => lib.parseArgs(c.argv)).to.throw(lib.UsageError, c.want);
      });
    }
  });

  describe('buildPatch and kubectl arguments', () => {
    const parseCommand = (argv: string[]): IncidentCommand => {
      const cmd = lib.parseArgs(argv);
      if (cmd.command === 'help') throw new Error(`expected a command, got help for ${JSON.stringify(argv)}`);
      return cmd;
    };
    const cases: { argv: string[]; who?: string; patch: unknown }[] = [
      {
        argv: ['ack', 'x'],
        who: 'alice',
        patch: { spec: { acknowledgement: { acknowledgedBy: 'alice', acknowledgedAt: '2025-06-02T10:00:00Z' } } },
      },
      {
        argv: ['resolve', 'x', '--note', 'fixed'],
        who: 'bob',
        patch: { spec: { resolution: { resolvedBy: 'bob', resolvedAt: '2025-06-02T10:00:00Z', note: 'fixed' } } },
      },
      { argv: ['approve-rollback', 'x'], patch: { spec: { rollback: { approved: true } } } },
    ];
    for (const c of cases) {
      it(`${c.argv[0]} builds its merge patch`, () => {
        expect(lib.buildPatch(parseCommand(c.argv), c.who, NOW)).to.deep.equal(c.patch);
      });
    }

    it('patches the fully qualified resource with a merge patch and target flags', () => {
      const cmd = parseCommand(['ack', 'x', '-n', 'ns', '--context', 'prod']);
      const patch = lib.buildPatch(cmd, 'alice', NOW);
      expect(lib.patchArgs(cmd, patch)).to.deep.equal([
        'patch', 'incidents.runbook.dev', 'x', '--type', 'merge', '-p', JSON.stringify(patch), '--context', 'prod', '--namespace', 'ns',
      ]);
    });
    it('asks the cluster who the user is, without a namespace', () => {
      expect(lib.whoamiArgs(parseCommand(['ack', 'x', '-n', 'ns', '--kubeconfig', '/k']))).to.deep.equal([
        'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}', '--kubeconfig', '/k',
      ]);
    });
    it('ack and resolve refuse to build a patch without who acts', () => {
      expect(() => lib.buildPatch(parseCommand(['ack', 'x']), undefined, NOW)).to.throw(/needs who acts/);
    });
    it('reads the incident as JSON', () => {
      expect(lib.getArgs(parseCommand(['timeline', 'x', '-n', 'ns']))).to.deep.equal(['get', 'incidents.runbook.dev', 'x', '-o', 'json', '--namespace', 'ns']);
    });
  });

  describe('formatTimeline', () => {
    const incident = (timeline: unknown[], timelineTotal?: number): unknown => ({ status: { timeline, ...(timelineTotal === undefined ? {} : { timelineTotal }) } });
    const entries = [
      { time: '2025-06-02T10:00:00Z', phase: 'Diagnosing', type: 'Opened', message: 'Incident opened' },
      { time: '2025-06-02T10:05:00Z', type: 'Notified', message: 'tier 1 notified\u001b[31m\u202e' },
    ];
    const cases: { name: string; incident: unknown; lines: string[] }[] = [
      {
        name: 'aligned table, missing phase as "-", total line',
        incident: incident(entries, 9),
        lines: [
          'TIME                   PHASE        TYPE       MESSAGE',
          '2025-06-02T10:00:00Z   Diagnosing   Opened     Incident opened',
          '2025-06-02T10:05:00Z   -            Notified   tier 1 notified [31m',
          '',
          'Showing 2 of 9 timeline entries (status.timelineTotal: 9); 7 are no longer kept in status.',
        ],
      },
      {
        name: 'all entries kept',
        incident: incident(entries.slice(0, 1), 1),
        lines: [
          'TIME                   PHASE        TYPE     MESSAGE',
          '2025-06-02T10:00:00Z   Diagnosing   Opened   Incident opened',
          '',
          'Showing 1 of 1 timeline entries (status.timelineTotal: 1).',
        ],
      },
      { name: 'no status yet', incident: {}, lines: ['No timeline entries.'] },
      { name: 'empty timeline but a total', incident: incident([], 4), lines: ['No timeline entries shown (status.timelineTotal: 4).'] },
      {
        name: 'malformed entries and fields from the cluster are skipped, not trusted',
        incident: { status: { timeline: [null, 'x', { time: 7, type: 'Opened', message: { text: 'm' } }], timelineTotal: '3' } },
        lines: ['TIME   PHASE   TYPE     MESSAGE', '       -       Opened', '', 'Showing 1 of 1 timeline entries (status.timelineTotal: unset).'],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(lib.formatTimeline(c.incident)).to.equal(`${c.lines.join('\n')}\n`);
      });
    }
  });

  describe('main', () => {
    interface Run {
      code: number;
      calls: string[][];
      out: string;
      err: string;
    }
    type Responder = (args: string[]) => KubectlResult;
    const ok = (stdout = ''): KubectlResult => ({ code: 0, stdout, stderr: '' });
    async function run(argv: string[], respond: Responder, env: Record<string, string | undefined> = { USER: 'shell-user' }): Promise<Run> {
      const r: Run = { code: -1, calls: [], out: '', err: '' };
      r.code = await lib.main(argv, {
        kubectl: async (args) => {
          r.calls.push(args);
          return respond(args);
        },
        env,
        now: () => NOW,
        out: (s) => (r.out += s),
        err: (s) => (r.err += s),
      });
      return r;
    }
    const whoami = (user: string | undefined): Responder => (args) =>
      args[0] === 'auth' ? (user === undefined ? { code: 1, stdout: '', stderr: 'forbidden' } : ok(user)) : ok('patched');

    const cases: { name: string; argv: string[]; respond: Responder; env?: Record<string, string | undefined>; code: number; verbs: string[]; out?: RegExp; err?: RegExp }[] = [
      { name: 'ack uses kubectl auth whoami', argv: ['ack', 'x'], respond: whoami('oidc:alice'), code: 0, verbs: ['auth', 'patch'], out: /incident x acknowledged by oidc:alice at 2025-06-02T10:00:00Z/ },
      { name: 'ack falls back to $USER', argv: ['ack', 'x'], respond: whoami(undefined), code: 0, verbs: ['auth', 'patch'], out: /acknowledged by shell-user/ },
      { name: 'empty whoami output falls back to $USER', argv: ['ack', 'x'], respond: whoami(''), code: 0, verbs: ['auth', 'patch'], out: /acknowledged by shell-user/ },
      { name: 'nobody known: usage error, nothing patched', argv: ['ack', 'x'], respond: whoami(undefined), env: {}, code: 2, verbs: ['auth'], err: /pass --by WHO/ },
      { name: '--by skips whoami', argv: ['resolve', 'x', '--note', 'ok', '--by', 'carol'], respond: whoami('alice'), code: 0, verbs: ['patch'], out: /resolved by carol/ },
      { name: 'approve-rollback needs no identity', argv: ['approve-rollback', 'x'], respond: whoami('alice'), code: 0, verbs: ['patch'], out: /rollback approved/ },
      {
        name: 'kubectl failure: exit 1 with its message',
        argv: ['ack', 'x', '--by', 'alice'],
        respond: () => ({ code: 1, stdout: '', stderr: 'Error from server (NotFound): incidents.runbook.dev "x" not found\n' }),
        code: 1,
        verbs: ['patch'],
        err: /cannot update incident x: Error from server \(NotFound\)/,
      },
      { name: 'timeline prints the table', argv: ['timeline', 'x'], respond: () => ok(JSON.stringify({ status: { timeline: [{ time: 't', type: 'Opened', message: 'm' }], timelineTotal: 1 } })), code: 0, verbs: ['get'], out: /Showing 1 of 1/ },
      { name: 'timeline with non-JSON output', argv: ['timeline', 'x'], respond: () => ok('not json'), code: 1, verbs: ['get'], err: /not JSON/ },
      { name: 'dry run prints and runs nothing', argv: ['approve-rollback', 'x', '--dry-run'], respond: whoami('alice'), code: 0, verbs: [], out: /^kubectl patch incidents\.runbook\.dev x --type merge -p '\{"spec":\{"rollback":\{"approved":true\}\}\}'\n$/ },
      { name: 'usage error exits 2', argv: ['ack'], respond: whoami('alice'), code: 2, verbs: [], err: /needs the Incident NAME[\s\S]*--help/ },
      { name: 'help exits 0', argv: ['--help'], respond: whoami('alice'), code: 0, verbs: [], out: /kubectl incident ack NAME/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const r = await run(c.argv, c.respond, c.env);
        expect(r.code, r.err).to.equal(c.code);
        expect(r.calls.map((a) => a[0])).to.deep.equal(c.verbs);
        if (c.out) expect(r.out).to.match(c.out);
        if (c.err) expect(r.err).to.match(c.err);
      });
    }
  });

  describe('executable with a stub kubectl on PATH', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'kubectl-incident-'));
      const stub = join(dir, 'kubectl');
      writeFileSync(
        stub,
        [
          '#!/bin/sh',
          'printf "%s\\n" "$@" >> "$STUB_LOG"',
          'if [ -n "$STUB_FAIL" ]; then echo "$STUB_FAIL" >&2; exit 3; fi',
          'if [ "$1" = auth ]; then printf "stub-user"; fi',
          'exit 0',
        ].join('\n'),
      );
      chmodSync(stub, 0o755);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const exec = (args: string[], extraEnv: Record<string, string> = {}) => {
      const log = join(dir, `log-${Math.random().toString(36).slice(2)}`);
      writeFileSync(log, '');
      const res = spawnSync(BIN, args, { env: { PATH: `${dir}:${process.env.PATH ?? ''}`, STUB_LOG: log, ...extraEnv }, encoding: 'utf8' });
      return { ...res, calls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
    };

    it('acknowledges through kubectl patch with the whoami identity', () => {
      const r = exec(['ack', 'api-down', '-n', 'patient-advocacy']);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^incident api-down acknowledged by stub-user at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
      const patch = r.calls.indexOf('patch');
      expect(r.calls.slice(0, 4)).to.deep.equal(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      expect(r.calls.slice(patch, patch + 5)).to.deep.equal(['patch', 'incidents.runbook.dev', 'api-down', '--type', 'merge']);
      const body = JSON.parse(r.calls[patch + 6] ?? '{}') as { spec: { acknowledgement: { acknowledgedBy: string } } };
      expect(body.spec.acknowledgement.acknowledgedBy).to.equal('stub-user');
      expect(r.calls.slice(-2)).to.deep.equal(['--namespace', 'patient-advocacy']);
    });

    it('exits non-zero with kubectl\'s message when kubectl fails', () => {
      const r = exec(['approve-rollback', 'api-down'], { STUB_FAIL: 'Error from server (Forbidden): nope' });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain('cannot update incident api-down: Error from server (Forbidden): nope');
    });

    it('exits 2 on a usage error', () => {
      const r = exec(['resolve', 'api-down']);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.contain('resolve needs --note TEXT');
    });

    it('says to run npm ci when the repository has no dependencies', () => {
      const repo = mkdtempSync(join(tmpdir(), 'kubectl-incident-repo-'));
      try {
        mkdirSync(join(repo, 'bin'));
        copyFileSync(BIN, join(repo, 'bin', 'kubectl-incident'));
        const res = spawnSync(process.execPath, [join(repo, 'bin', 'kubectl-incident'), '--help'], { encoding: 'utf8' });
        expect(res.status).to.equal(1);
        expect(res.stderr).to.contain(`run \`npm ci\` in ${repo}`);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    });

    it('reports a missing kubectl', () => {
      const res = spawnSync(process.execPath, [BIN, 'approve-rollback', 'x'], { env: { PATH: dir + '-missing' }, encoding: 'utf8' });
      expect(res.status).to.equal(1);
      expect(res.stderr).to.contain('kubectl not found on PATH');
    });
  });
});
