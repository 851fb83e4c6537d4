// Logic of the `kubectl incident` plugin: argument parsing, patch building, kubectl argument lists and
// the timeline table are pure; `main` orchestrates them with injected effects (run kubectl, env, clock,
// output) so it can be tested without a cluster. No shell is ever involved: kubectl gets an argv array.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const RESOURCE = 'incidents.runbook.dev';
export const MAX_WHO_LENGTH = 128; // spec.acknowledgement.acknowledgedBy / spec.resolution.resolvedBy
export const MAX_NOTE_LENGTH = 1024; // spec.resolution.note
const COMMANDS = ['ack', 'resolve', 'timeline', 'approve-rollback'];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// C0/C1 controls (terminal escapes) and bidi overrides must not reach the terminal from status text.
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_CHARS = new RegExp(UNSAFE_CHAR.source, 'g');

export const HELP = `kubectl incident - act on runbook.dev Incidents (incident-operator)

Usage:
  kubectl incident ack NAME [-n NAMESPACE] [--by WHO]
  kubectl incident resolve NAME --note TEXT [-n NAMESPACE] [--by WHO]
  kubectl incident timeline NAME [-n NAMESPACE]
  kubectl incident approve-rollback NAME [-n NAMESPACE]

Commands:
  ack               acknowledge the incident (stops the acknowledge clock and repeated pages)
  resolve           mark the incident resolved with a note
  timeline          print status.timeline as a table
  approve-rollback  approve the proposed rollback (spec.rollback.approved=true)

Options:
  -n, --namespace NS   namespace of the Incident (default: the current context's)
      --by WHO         who acts (default: kubectl auth whoami, else $USER); at most ${MAX_WHO_LENGTH} characters
      --note TEXT      resolution note, at most ${MAX_NOTE_LENGTH} characters; never put patient data in it
      --context NAME   kubeconfig context to use
      --kubeconfig F   kubeconfig file to use
      --dry-run        print the kubectl command instead of running it
  -h, --help           show this help

Exit codes: 0 success, 1 kubectl or cluster error, 2 usage error.
`;

export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

const VALUE_FLAGS = { '-n': 'namespace', '--namespace': 'namespace', '--by': 'by', '--note': 'note', '--context': 'context', '--kubeconfig': 'kubeconfig' };

/**
 * @param {string[]} argv arguments after `kubectl incident`
 * @returns {{ command: string, name?: string, namespace?: string, by?: string, note?: string,
 *   context?: string, kubeconfig?: string, dryRun: boolean }}
 * @throws {UsageError}
 */
export function parseArgs(argv) {
  const opts = { dryRun: false };
  const positional = [];
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--dry-run') opts.dryRun = true;
    else if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const key = VALUE_FLAGS[flag];
      if (!key) throw new UsageError(`unknown flag ${flag}`);
      let value;
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        i += 1;
        if (value === undefined) throw new UsageError(`${flag} needs a value`);
      }
      if (opts[key] !== undefined) throw new UsageError(`${flag} given more than once`);
      opts[key] = value;
    } else positional.push(arg);
  }
  if (help || positional.length === 0) return { command: 'help', dryRun: opts.dryRun };
  const [command, name, ...extra] = positional;
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}" (expected one of: ${COMMANDS.join(', ')})`);
  if (name === undefined) throw new UsageError(`${command} needs the Incident NAME`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) throw new UsageError(`"${name}" is not a valid Incident name`);
  if (opts.namespace !== undefined && (opts.namespace.length > 63 || !DNS_LABEL.test(opts.namespace))) {
    throw new UsageError(`"${opts.namespace}" is not a valid namespace`);
  }
  if (opts.by !== undefined) validateWho(opts.by);
  if (command === 'resolve') {
    if (opts.note === undefined || opts.note.trim() === '') throw new UsageError('resolve needs --note TEXT');
    if (opts.note.length > MAX_NOTE_LENGTH) throw new UsageError(`--note is longer than ${MAX_NOTE_LENGTH} characters`);
  } else if (opts.note !== undefined) throw new UsageError('--note is only valid with resolve');
  if (opts.by !== undefined && (command === 'timeline' || command === 'approve-rollback')) {
    throw new UsageError(`--by is not valid with ${command}`);
  }
  return { command, name, ...opts };
}

/** @param {string} who */
export function validateWho(who) {
  if (who.trim() === '') throw new UsageError('--by must not be empty');
  if (who.length > MAX_WHO_LENGTH) throw new UsageError(`--by is longer than ${MAX_WHO_LENGTH} characters`);
  if (UNSAFE_CHAR.test(who)) throw new UsageError('--by must not contain control characters');
  return who;
}

/** RFC 3339 UTC with second precision, e.g. 2025-06-02T10:00:00Z. */
export function rfc3339(now) {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The JSON merge patch for a mutating command.
 * @param {{ command: string, note?: string }} cmd
 * @param {string | undefined} who required for ack / resolve
 * @param {Date} now
 */
export function buildPatch(cmd, who, now) {
  switch (cmd.command) {
    case 'ack':
      return { spec: { acknowledgement: { acknowledgedBy: who, acknowledgedAt: rfc3339(now) } } };
    case 'resolve':
      return { spec: { resolution: { resolvedBy: who, resolvedAt: rfc3339(now), note: cmd.note } } };
    case 'approve-rollback':
      return { spec: { rollback: { approved: true } } };
    default:
      throw new Error(`${cmd.command} does not patch`);
  }
}

/** Flags selecting cluster and namespace, shared by every kubectl call. */
export function targetFlags(cmd, withNamespace = true) {
  const flags = [];
  if (cmd.kubeconfig !== undefined) flags.push('--kubeconfig', cmd.kubeconfig);
  if (cmd.context !== undefined) flags.push('--context', cmd.context);
  if (withNamespace && cmd.namespace !== undefined) flags.push('--namespace', cmd.namespace);
  return flags;
}

export function patchArgs(cmd, patch) {
  return ['patch', RESOURCE, cmd.name, '--type', 'merge', '-p', JSON.stringify(patch), ...targetFlags(cmd)];
}

export function whoamiArgs(cmd) {
  return ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}', ...targetFlags(cmd, false)];
}

export function getArgs(cmd) {
  return ['get', RESOURCE, cmd.name, '-o', 'json', ...targetFlags(cmd)];
}

export function sanitize(text) {
  return String(text ?? '').replace(UNSAFE_CHARS, ' ');
}

/** A shell-quoted rendering of a kubectl call, for --dry-run output only. */
export function renderCommand(args) {
  return ['kubectl', ...args].map((a) => (/^[-\w.,/:=@{}]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * status.timeline as a table (TIME, PHASE, TYPE, MESSAGE) and a line with status.timelineTotal.
 * @param {{ status?: { timeline?: Array<{ time?: string, phase?: string, type?: string, message?: string }>, timelineTotal?: number } }} incident
 */
export function formatTimeline(incident) {
  const entries = Array.isArray(incident?.status?.timeline) ? incident.status.timeline : [];
  const total = incident?.status?.timelineTotal;
  if (entries.length === 0) return `No timeline entries${typeof total === 'number' && total > 0 ? ` shown (status.timelineTotal: ${total})` : ''}.\n`;
  const rows = [['TIME', 'PHASE', 'TYPE', 'MESSAGE']];
  for (const e of entries) rows.push([e.time, e.phase || '-', e.type, e.message].map((v) => sanitize(v)));
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => [...r.slice(0, 3).map((v, c) => v.padEnd(widths[c])), r[3]].join('   ').trimEnd());
  const shownTotal = typeof total === 'number' ? total : entries.length;
  const older = shownTotal > entries.length ? `; ${shownTotal - entries.length} are no longer kept in status` : '';
  lines.push('', `Showing ${entries.length} of ${shownTotal} timeline entries (status.timelineTotal: ${total ?? 'unset'})${older}.`);
  return `${lines.join('\n')}\n`;
}

/** Who acts: --by, else `kubectl auth whoami`, else $USER. */
async function resolveWho(cmd, deps) {
  if (cmd.by !== undefined) return cmd.by;
  const res = await deps.kubectl(whoamiArgs(cmd));
  const fromCluster = res.code === 0 ? res.stdout.trim() : '';
  const who = fromCluster || (deps.env.USER ?? '').trim();
  if (!who) throw new UsageError('cannot tell who you are (kubectl auth whoami failed and $USER is unset); pass --by WHO');
  try {
    return validateWho(who);
  } catch (err) {
    throw new UsageError(`${err.message.replace('--by', 'your user name')}; pass --by WHO`);
  }
}

const DONE = { ack: 'acknowledged', resolve: 'resolved', 'approve-rollback': 'rollback approved' };

/**
 * @param {string[]} argv
 * @param {{ kubectl: (args: string[]) => Promise<{ code: number, stdout: string, stderr: string }>,
 *   env: Record<string, string | undefined>, now: () => Date, out: (s: string) => void, err: (s: string) => void }} deps
 * @returns {Promise<number>} exit code
 */
export async function main(argv, deps) {
  let cmd;
  try {
    cmd = parseArgs(argv);
    if (cmd.command === 'help') {
      deps.out(HELP);
      return EXIT_OK;
    }
    if (cmd.command === 'timeline') {
      const args = getArgs(cmd);
      if (cmd.dryRun) return deps.out(`${renderCommand(args)}\n`), EXIT_OK;
      const res = await deps.kubectl(args);
      if (res.code !== 0) return fail(deps, `cannot read incident ${cmd.name}`, res);
      let incident;
      try {
        incident = JSON.parse(res.stdout);
      } catch {
        deps.err('error: kubectl returned something that is not JSON\n');
        return EXIT_FAILURE;
      }
      deps.out(formatTimeline(incident));
      return EXIT_OK;
    }
    const who = cmd.command === 'approve-rollback' ? undefined : await resolveWho(cmd, deps);
    const now = deps.now();
    const args = patchArgs(cmd, buildPatch(cmd, who, now));
    if (cmd.dryRun) return deps.out(`${renderCommand(args)}\n`), EXIT_OK;
    const res = await deps.kubectl(args);
    if (res.code !== 0) return fail(deps, `cannot update incident ${cmd.name}`, res);
    const by = who === undefined ? '' : ` by ${who} at ${rfc3339(now)}`;
    deps.out(`incident ${cmd.name} ${DONE[cmd.command]}${by}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      deps.err(`error: ${error.message}\nRun 'kubectl incident --help' for usage.\n`);
      return EXIT_USAGE;
    }
    deps.err(`error: ${sanitize(error?.message ?? error)}\n`);
    return EXIT_FAILURE;
  }
}

function fail(deps, what, res) {
  const detail = sanitize(res.stderr.trim() || `kubectl exited with code ${res.code}`);
  deps.err(`error: ${what}: ${detail}\n`);
  return EXIT_FAILURE;
}
