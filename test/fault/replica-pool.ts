/**
 * Two operator replicas behind one Lease, supervised as a Deployment's ReplicaSet would: whenever a replica
 * dies — SIGKILLed by the suite, killed by its own failpoint, or exiting after losing the lease — a replacement
 * is started at once (armed with the next failpoint asked for, if any).
 *
 * Failover is measured for every death of a replica that was leading: from the death (the suite's SIGKILL, or
 * the exit event of a self-inflicted one) to the moment another replica logs "leading: workers started" —
 * which it does only after its informers are synced (operator.ts startWorkers). Nothing is excluded.
 *
 * Output is watched as a stream (a line containing the marker), never re-parsed, so the suite stays cheap on a
 * loaded machine.
 */
import { httpGet } from '../harness/operator-observe.js';
import { startOperatorProcess, type OperatorProcess } from '../harness/operator-process.js';

export const LEADING = 'leading: workers started';

export interface Replica {
  op: OperatorProcess;
  n: number;
  failpoint?: string;
  startedAt: number;
  leadingAt?: number;
  probes?: string;
  readyAt?: number;
  lastReadyz?: string;
  killedBySuite: boolean;
  exitedAt?: number;
  /** Died by SIGKILL that the suite did not send: an armed replica reached its failpoint. */
  reachedFailpoint: boolean;
}

export interface Failover { ms: number; cause: 'kill' | 'failpoint' | 'exit'; from: number; to?: number }

export interface ReplicaPoolOptions {
  namespaces: string[];
  leaseName: string;
  env: Record<string, string>;
  say: (line: string) => void;
  size?: number;
}

export class ReplicaPool {
  readonly all: Replica[] = [];
  readonly failovers: Failover[] = [];
  /** Deaths that were neither the suite's kill nor a failpoint (e.g. exit 1 after losing the lease). */
  readonly otherExits: { n: number; code: number | null; signal: string | null }[] = [];
  private readonly armQueue: string[] = [];
  private open: { from: number; cause: Failover['cause']; replica: number } | undefined;
  private stopping = false;
  private seq = 0;

  constructor(private readonly o: ReplicaPoolOptions) {}

  get live(): Replica[] { return this.all.filter((r) => r.exitedAt === undefined); }
  leader(): Replica | undefined { return this.live.find((r) => r.leadingAt !== undefined); }
  standbys(): Replica[] { return this.live.filter((r) => r.leadingAt === undefined); }
  /** Replicas started with `failpoint`, and how many of them reached it. */
  armed(failpoint: string): { started: number; reached: number } {
    const a = this.all.filter((r) => r.failpoint === failpoint);
    return { started: a.length, reached: a.filter((r) => r.reachedFailpoint).length };
  }

  fill(): void {
    while (!this.stopping && this.live.length < (this.o.size ?? 2)) this.start(this.armQueue.shift());
  }

  /** The next replacement carries `failpoint`. */
  arm(failpoint: string): void { this.armQueue.push(failpoint); }
  get armPending(): number { return this.armQueue.length; }

  private start(failpoint?: string): Replica {
    const n = ++this.seq;
    const op = startOperatorProcess({ namespaces: this.o.namespaces, leaseName: this.o.leaseName, identity: `kill-${n}${failpoint ? '-armed' : ''}`, env: { ...this.o.env, ...(failpoint ? { INCIDENT_OPERATOR_FAILPOINT: failpoint } : {}) } });
    const r: Replica = { op, n, startedAt: Date.now(), killedBySuite: false, reachedFailpoint: false, ...(failpoint ? { failpoint } : {}) };
    this.all.push(r);
    let tail = '';
    const onData = (b: Buffer) => {
      const text = tail + b.toString('utf8');
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const l of lines) {
        if (r.leadingAt === undefined && l.includes(`"message":"${LEADING}"`)) this.onLeading(r);
        if (r.probes === undefined && l.includes('"message":"http server listening"') && l.includes('"server":"probes"')) {
          const m = /"address":"([\d.]+:\d+)"/.exec(l);
          if (m) r.probes = m[1];
        }
      }
    };
    op.proc.stdout?.on('data', onData);
    op.proc.stderr?.on('data', onData);
    op.proc.on('exit', (_code, signal) => this.onExit(r, signal));
    return r;
  }

  private onLeading(r: Replica): void {
    r.leadingAt = Date.now();
    if (this.open && this.open.replica !== r.n) {
      this.failovers.push({ ms: r.leadingAt - this.open.from, cause: this.open.cause, from: this.open.replica, to: r.n });
      this.open = undefined;
    }
  }

  private onExit(r: Replica, signal: NodeJS.Signals | null): void {
    r.exitedAt = Date.now();
    r.reachedFailpoint = !r.killedBySuite && signal === 'SIGKILL' && r.failpoint !== undefined;
    if (!r.killedBySuite && !r.reachedFailpoint) this.otherExits.push({ n: r.n, code: r.op.proc.exitCode, signal });
    if (this.stopping) return;
    if (r.reachedFailpoint) this.o.say(`replica ${r.n} reached its failpoint ${r.failpoint} and died`);
    else if (!r.killedBySuite) {
      const why = r.op.output().split('\n').reverse().find((l) => l.includes('stopped leading') || l.includes('"level":"error"'));
      this.o.say(`replica ${r.n} exited by itself (code ${r.op.proc.exitCode}, signal ${signal}): ${why?.slice(0, 300) ?? 'no log line'}`);
    }
    if (r.leadingAt !== undefined && !this.open) this.open = { from: r.exitedAt, cause: r.killedBySuite ? 'kill' : r.reachedFailpoint ? 'failpoint' : 'exit', replica: r.n };
    this.fill();
  }

  /** SIGKILL the leader (t0 = just before the signal); a replacement starts at once. */
  async killLeader(): Promise<Replica> {
    const l = this.leader();
    if (!l) throw new Error('no leader to kill');
    l.killedBySuite = true;
    if (!this.open) this.open = { from: Date.now(), cause: 'kill', replica: l.n };
    await l.op.kill('SIGKILL');
    return l;
  }

  private async ready(r: Replica): Promise<boolean> {
    if (!r.probes || r.exitedAt !== undefined) return false;
    try {
      const res = await httpGet(`http://${r.probes}/readyz`, 5_000);
      r.lastReadyz = `${res.status} ${res.body}`;
      if (res.status === 200) r.readyAt ??= Date.now();
      return res.status === 200;
    } catch (e) { r.lastReadyz = String(e); return false; }
  }

  /** Start → Ready (informers synced, leader known) of every replica that got there, in ms. */
  bootMs(): number[] { return this.all.filter((r) => r.readyAt !== undefined).map((r) => r.readyAt! - r.startedAt); }

  /**
   * Two replicas, one leading and the other Ready (informers synced, the leader observed): the state of a
   * two-replica Deployment when nothing is starting. Kills are aimed only at this state.
   */
  async steady(timeoutMs = 120_000): Promise<{ leader: Replica; standby: Replica }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.fill();
      const leader = this.leader();
      const standby = this.standbys()[0];
      if (leader && standby && this.live.length === (this.o.size ?? 2) && (await this.ready(standby))) return { leader, standby };
      if (Date.now() > deadline) {
        const tails = this.live.map((r) => `replica ${r.n}: readyz ${r.lastReadyz ?? '-'}; last lines:\n${r.op.output().split('\n').slice(-8).join('\n')}`).join('\n');
        throw new Error(`no steady pair in ${timeoutMs} ms: ${this.live.map((r) => `${r.n}${r.failpoint ? `(${r.failpoint})` : ''}:${r.leadingAt ? 'leading' : r.probes ? 'standby' : 'starting'}`).join(', ')}\n${tails}`);
      }
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  /** The leader now, or wait for one (a failover in progress). */
  async waitLeader(timeoutMs = 90_000): Promise<Replica> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = this.leader();
      if (l) return l;
      if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of this.all) {
      if (r.exitedAt !== undefined) continue;
      r.killedBySuite = true;
      await r.op.kill('SIGKILL');
    }
  }
}
