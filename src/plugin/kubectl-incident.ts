/**
 * Logic of the `kubectl incident` plugin: argument parsing, patch building, kubectl argument lists and
 * the timeline table are pure; `main` orchestrates them with injected effects (run kubectl, env, clock,
 * output) so it can be tested without a cluster. No shell is ever involved: kubectl gets an argv array.
 * Patches and the timeline use the Incident API's types (src/api/incident.ts).
 */
import type { GROUP, INCIDENT_PLURAL, IncidentSpec, TimelineEntry } from '../api/incident.js';
import { renderPostmortem, PostmortemFormats, type PostmortemFormat } from './postmortem-command.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The fully qualified resource kubectl acts on (checked against the API's group and plural). */
export const RESOURCE = 'incidents.runbook.dev' satisfies `${typeof INCIDENT_PLURAL}.${typeof GROUP}`;
export const MAX_WHO_LENGTH = 128; // spec.acknowledgement.acknowledgedBy / spec.resolution.resolvedBy
export const MAX_NOTE_LENGTH = 1024; // spec.resolution.note

export type CommandName = 'ack' | 'resolve' | 'timeline' | 'approve-rollback' | 'postmortem' | 'postmortem-done';
const COMMANDS: readonly CommandName[] = ['ack', 'resolve', 'timeline', 'approve-rollback', 'postmortem', 'postmortem-done'];
export const MAX_LINK_LENGTH = 2048; // spec.postmortem.link
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
  kubectl incident postmortem NAME [-n NAMESPACE] [-o markdown|html]
  kubectl incident postmortem-done NAME --link URL [-n NAMESPACE] [--by WHO]

Commands:
  ack               acknowledge the incident (stops the acknowledge clock and repeated pages)
  resolve           mark the incident resolved with a note
  timeline          print status.timeline as a table
  approve-rollback  approve the proposed rollback (spec.rollback.approved=true)
  postmortem        print the post-mortem draft (Markdown, or -o html: one self-contained page)
  postmortem-done   mark the P0/P1 post-mortem written (PostmortemDue turns False, the reminder stops)

Options:
  -n, --namespace NS   namespace of the Incident (default: the current context's)
      --by WHO         who acts (default: kubectl auth whoami, else $USER); at most ${MAX_WHO_LENGTH} characters
      --note TEXT      resolution note, at most ${MAX_NOTE_LENGTH} characters; never put patient data in it
      --context NAME   kubeconfig context to use
      --kubeconfig F   kubeconfig file to use
  -o, --output FMT     postmortem: markdown (default) or html
      --link URL       postmortem-done: where the post-mortem is, at most ${MAX_LINK_LENGTH} characters
      --dry-run        print the kubectl command instead of running it
  -h, --help           show this help

Exit codes: 0 success, 1 kubectl or cluster error, 2 usage error.
`;

export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** Flags that select the cluster and namespace. */
export interface TargetOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
}

/** A parsed command line: help, or one command on one Incident. */
export type Command = HelpCommand | IncidentCommand;
export interface HelpCommand {
  command: 'help';
  dryRun: boolean;
}
export interface IncidentCommand extends TargetOptions {
  command: CommandName;
  name: string;
  by?: string;
  note?: string;
  /** postmortem only. */
  output?: PostmortemFormat;
  /** postmortem-done only. */
  link?: string;
  dryRun: boolean;
}

type ValueOption = 'namespace' | 'by' | 'note' | 'context' | 'kubeconfig' | 'output' | 'link';
const VALUE_FLAGS: Readonly<Record<string, ValueOption>> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '--by': 'by',
  '--note': 'note',
  '--context': 'context',
  '--kubeconfig': 'kubeconfig',
  '-o': 'output',
  '--output': 'output',
  '--link': 'link',
};

const isCommandName = (s: string | undefined): s is CommandName => COMMANDS.some((c) => c === s);

/** Parses the arguments after `kubectl incident`; throws UsageError. */
export function parseArgs(argv: readonly string[]): Command {
  const opts: Partial<Record<ValueOption, string>> = {};
  let dryRun = false;
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const key = VALUE_FLAGS[flag];
      if (!key) throw new UsageError(`unknown flag ${flag}`);
      let value: string | undefined;
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
  if (help || positional.length === 0) return { command: 'help', dryRun };
  const [command, name, ...extra] = positional;
  if (!isCommandName(command)) throw new UsageError(`unknown command "${command ?? ''}" (expected one of: ${COMMANDS.join(', ')})`);
  if (name === undefined) throw new UsageError(`${command} needs the Incident NAME`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`);
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) throw new UsageError(`"${name}" is not a valid Incident name`);
  if (opts.namespace !== undefined && (opts.namespace.length > 63 || !DNS_LABEL.test(opts.namespace))) {
    throw new UsageError(`"${opts.namespace}" is not a valid namespace`);
  }
  if (opts.by !== undefined) validateWho(opts.by);
  if (command === 'resolve') {
    if (opts.note === undefined || opts.note.trim() === '') throw new UsageError('resolve needs --note TEXT');
    if (opts.note.length > MAX_NOTE_LENGTH) throw new UsageError(`--note is longer than ${MAX_NOTE_LENGTH} characters`);
  } else if (opts.note !== undefined) throw new UsageError('--note is only valid with resolve');
  if (opts.by !== undefined && (command === 'timeline' || command === 'approve-rollback' || command === 'postmortem')) {
    throw new UsageError(`--by is not valid with ${command}`);
  }
  if (command === 'postmortem-done') {
    if (opts.link === undefined || opts.link.trim() === '') throw new UsageError('postmortem-done needs --link URL');
    if (opts.link.length > MAX_LINK_LENGTH) throw new UsageError(`--link is longer than ${MAX_LINK_LENGTH} characters`);
    if (UNSAFE_CHAR.test(opts.link)) throw new UsageError('--link must not contain control characters');
  } else if (opts.link !== undefined) throw new UsageError('--link is only valid with postmortem-done');
  const { output, ...rest } = opts;
  if (output !== undefined && command !== 'postmortem') throw new UsageError('--output is only valid with postmortem');
  const format = PostmortemFormats.find((f) => f === output);
  if (output !== undefined && !format) throw new UsageError(`--output must be one of: ${PostmortemFormats.join(', ')}`);
  return { command, name, ...rest, ...(format ? { output: format } : {}), dryRun };
}

/** Checks a user name for spec.acknowledgement.acknowledgedBy / spec.resolution.resolvedBy. */
export function validateWho(who: string): string {
  if (who.trim() === '') throw new UsageError('--by must not be empty');
  if (who.length > MAX_WHO_LENGTH) throw new UsageError(`--by is longer than ${MAX_WHO_LENGTH} characters`);
  if (UNSAFE_CHAR.test(who)) throw new UsageError('--by must not contain control characters');
  return who;
}

/** RFC 3339 UTC with second precision, e.g. 2025-06-02T10:00:00Z. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The JSON merge patches the plugin sends: the spec fields people own. */
export type IncidentPatch =
  | { spec: Required<Pick<IncidentSpec, 'acknowledgement'>> }
  | { spec: Required<Pick<IncidentSpec, 'resolution'>> }
  | { spec: { rollback: Required<Pick<NonNullable<IncidentSpec['rollback']>, 'approved'>> } }
  | { spec: { postmortem: Required<NonNullable<IncidentSpec['postmortem']>> } };

/** The JSON merge patch for a mutating command; `who` is required for ack and resolve. */
export function buildPatch(cmd: Pick<IncidentCommand, 'command' | 'note' | 'link'>, who: string | undefined, now: Date): IncidentPatch {
  switch (cmd.command) {
    case 'ack':
      return { spec: { acknowledgement: { acknowledgedBy: requireWho(who, cmd.command), acknowledgedAt: rfc3339(now) } } };
    case 'resolve':
      return { spec: { resolution: { resolvedBy: requireWho(who, cmd.command), resolvedAt: rfc3339(now), note: cmd.note } } };
    case 'approve-rollback':
      return { spec: { rollback: { approved: true } } };
    case 'postmortem-done':
      return { spec: { postmortem: { done: true, link: cmd.link ?? '', doneBy: requireWho(who, cmd.command), doneAt: rfc3339(now) } } };
    default:
      throw new Error(`${cmd.command} does not patch`);
  }
}

function requireWho(who: string | undefined, command: string): string {
  if (who === undefined) throw new Error(`${command} needs who acts`);
  return who;
}

/** Flags selecting cluster and namespace, shared by every kubectl call. */
export function targetFlags(cmd: TargetOptions, withNamespace = true): string[] {
  const flags: string[] = [];
  if (cmd.kubeconfig !== undefined) flags.push('--kubeconfig', cmd.kubeconfig);
  if (cmd.context !== undefined) flags.push('--context', cmd.context);
  if (withNamespace && cmd.namespace !== undefined) flags.push('--namespace', cmd.namespace);
  return flags;
}

export function patchArgs(cmd: IncidentCommand, patch: IncidentPatch): string[] {
  return ['patch', RESOURCE, cmd.name, '--type', 'merge', '-p', JSON.stringify(patch), ...targetFlags(cmd)];
}

export function whoamiArgs(cmd: TargetOptions): string[] {
  return ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}', ...targetFlags(cmd, false)];
}

export function getArgs(cmd: IncidentCommand): string[] {
  return ['get', RESOURCE, cmd.name, '-o', 'json', ...targetFlags(cmd)];
}

/** Text safe for a terminal: control characters and bidi overrides become spaces. */
export function sanitize(text: unknown): string {
  if (text === undefined || text === null) return '';
  return (typeof text === 'string' ? text : JSON.stringify(text)).replace(UNSAFE_CHARS, ' ');
}

/** A shell-quoted rendering of a kubectl call, for --dry-run output only. */
export function renderCommand(args: readonly string[]): string {
  return ['kubectl', ...args].map((a) => (/^[-\w.,/:=@{}]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringField = (o: Record<string, unknown>, key: keyof TimelineEntry): string | undefined => {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
};

/** status.timeline and status.timelineTotal of an Incident read from kubectl (untrusted JSON). */
export function timelineOf(incident: unknown): { entries: Partial<TimelineEntry>[]; total: number | undefined } {
  const status = isRecord(incident) && isRecord(incident.status) ? incident.status : {};
  const raw = Array.isArray(status.timeline) ? (status.timeline as unknown[]) : [];
  const entries = raw.filter(isRecord).map((e) => ({
    time: stringField(e, 'time'),
    phase: stringField(e, 'phase'),
    type: stringField(e, 'type'),
    message: stringField(e, 'message'),
  }));
  return { entries, total: typeof status.timelineTotal === 'number' ? status.timelineTotal : undefined };
}

/** status.timeline as a table (TIME, PHASE, TYPE, MESSAGE) and a line with status.timelineTotal. */
export function formatTimeline(incident: unknown): string {
  const { entries, total } = timelineOf(incident);
  if (entries.length === 0) return `No timeline entries${total !== undefined && total > 0 ? ` shown (status.timelineTotal: ${total})` : ''}.\n`;
  const rows: string[][] = [['TIME', 'PHASE', 'TYPE', 'MESSAGE']];
  for (const e of entries) rows.push([e.time, e.phase || '-', e.type, e.message].map((v) => sanitize(v)));
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) => [...r.slice(0, 3).map((v, c) => v.padEnd(widths[c] ?? 0)), r[3] ?? ''].join('   ').trimEnd());
  const shownTotal = total ?? entries.length;
  const older = shownTotal > entries.length ? `; ${shownTotal - entries.length} are no longer kept in status` : '';
  lines.push('', `Showing ${entries.length} of ${shownTotal} timeline entries (status.timelineTotal: ${total ?? 'unset'})${older}.`);
  return `${lines.join('\n')}\n`;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The plugin's effects, injected so `main` runs without a cluster in tests. */
export interface PluginDeps {
  kubectl: (args: string[]) => Promise<KubectlResult>;
  env: Record<string, string | undefined>;
  now: () => Date;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Who acts: --by, else `kubectl auth whoami`, else $USER. */
async function resolveWho(cmd: IncidentCommand, deps: PluginDeps): Promise<string> {
  if (cmd.by !== undefined) return cmd.by;
  const res = await deps.kubectl(whoamiArgs(cmd));
  const fromCluster = res.code === 0 ? res.stdout.trim() : '';
  const who = fromCluster || (deps.env.USER ?? '').trim();
  if (!who) throw new UsageError('cannot tell who you are (kubectl auth whoami failed and $USER is unset); pass --by WHO');
  try {
    return validateWho(who);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(`${message.replace('--by', 'your user name')}; pass --by WHO`, { cause: err });
  }
}

const DONE: Readonly<Record<Exclude<CommandName, 'timeline' | 'postmortem'>, string>> = {
  ack: 'acknowledged',
  resolve: 'resolved',
  'approve-rollback': 'rollback approved',
  'postmortem-done': 'post-mortem marked done',
};

/** Runs one command line; returns the exit code. */
export async function main(argv: readonly string[], deps: PluginDeps): Promise<number> {
  try {
    const cmd = parseArgs(argv);
    if (cmd.command === 'help') {
      deps.out(HELP);
      return EXIT_OK;
    }
    if (cmd.command === 'timeline') return await timeline(cmd, deps);
    if (cmd.command === 'postmortem') return await postmortem(cmd, deps);
    const who = cmd.command === 'approve-rollback' ? undefined : await resolveWho(cmd, deps);
    const now = deps.now();
    const args = patchArgs(cmd, buildPatch(cmd, who, now));
    if (cmd.dryRun) {
      deps.out(`${renderCommand(args)}\n`);
      return EXIT_OK;
    }
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
    deps.err(`error: ${sanitize(error instanceof Error ? error.message : error)}\n`);
    return EXIT_FAILURE;
  }
}

async function timeline(cmd: IncidentCommand, deps: PluginDeps): Promise<number> {
  const args = getArgs(cmd);
  if (cmd.dryRun) {
    deps.out(`${renderCommand(args)}\n`);
    return EXIT_OK;
  }
  const res = await deps.kubectl(args);
  if (res.code !== 0) return fail(deps, `cannot read incident ${cmd.name}`, res);
  let incident: unknown;
  try {
    incident = JSON.parse(res.stdout);
  } catch {
    deps.err('error: kubectl returned something that is not JSON\n');
    return EXIT_FAILURE;
  }
  deps.out(formatTimeline(incident));
  return EXIT_OK;
}

async function postmortem(cmd: IncidentCommand, deps: PluginDeps): Promise<number> {
  const args = getArgs(cmd);
  if (cmd.dryRun) {
    deps.out(`${renderCommand(args)}\n`);
    return EXIT_OK;
  }
  const res = await deps.kubectl(args);
  if (res.code !== 0) return fail(deps, `cannot read incident ${cmd.name}`, res);
  const page = renderPostmortem(res.stdout, cmd.output ?? 'markdown', deps.now());
  if ('error' in page) {
    deps.err(`error: ${page.error}\n`);
    return EXIT_FAILURE;
  }
  deps.out(page.text);
  return EXIT_OK;
}

function fail(deps: PluginDeps, what: string, res: KubectlResult): number {
  const detail = sanitize(res.stderr.trim() || `kubectl exited with code ${res.code}`);
  deps.err(`error: ${what}: ${detail}\n`);
  return EXIT_FAILURE;
}
