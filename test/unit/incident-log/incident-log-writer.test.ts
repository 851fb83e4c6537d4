import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { Incident, TimelineEntry } from '../../../src/api/incident.js';
import { IncidentLogWriter, type LogClient, type LogPool } from '../../../src/incident-log/incident-log-writer.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../../src/runtime/clock.js';

/** An in-memory stand-in for PostgreSQL that understands the writer's statements (by shape, not by parsing SQL). */
class FakeDb implements LogPool {
  up = true;
  /** SQLSTATE to fail the next insert of this uid with (once). */
  failInsertFor = new Map<string, string>();
  readonly rows = new Map<string, Map<number, unknown[]>>();
  readonly summaries = new Map<string, { values: unknown[] }>();
  readonly statements: string[] = [];
  readonly commits: string[] = [];
  ended = false;
  connects = 0;

  async connect(): Promise<LogClient> {
    this.connects += 1;
    if (!this.up) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    let tx: { uid?: string; rows: [string, number, unknown[]][]; summary?: unknown[] } | undefined;
    return {
      query: async (text: string, values: unknown[] = []) => {
        if (!this.up) throw Object.assign(new Error('Connection terminated unexpectedly'), {});
        const kind = text.split(/\s+/).slice(0, 3).join(' ');
        this.statements.push(kind);
        if (text === 'BEGIN') { tx = { rows: [] }; return { rows: [], rowCount: null }; }
        if (text === 'ROLLBACK') { tx = undefined; return { rows: [], rowCount: null }; }
        if (text === 'COMMIT') {
          for (const [uid, seq, v] of tx!.rows) {
            if (!this.rows.has(uid)) this.rows.set(uid, new Map());
            this.rows.get(uid)!.set(seq, v);
          }
          if (tx!.summary) {
            const uid = String(tx!.summary[0]);
            const cur = this.summaries.get(uid);
            if (!cur || Number(cur.values[12]) <= Number(tx!.summary[12])) this.summaries.set(uid, { values: tx!.summary });
            this.commits.push(uid);
          }
          tx = undefined;
          return { rows: [], rowCount: null };
        }
        if (text.startsWith('SELECT 1 FROM pg_catalog.pg_namespace')) return { rows: [{ '?column?': 1 }], rowCount: 1 };
        if (text.startsWith('SELECT max(seq)')) {
          const seqs = [...(this.rows.get(String(values[0]))?.keys() ?? [])];
          return { rows: [{ max_seq: seqs.length ? String(Math.max(...seqs)) : null }], rowCount: 1 };
        }
        if (text.startsWith('INSERT INTO') && text.includes('timeline_entries')) {
          const uid = String(values[0]);
          const code = this.failInsertFor.get(uid);
          if (code) { this.failInsertFor.delete(uid); throw Object.assign(new Error('invalid input syntax'), { code }); }
          let inserted = 0;
          for (let i = 0; i < values.length; i += 12) {
            const seq = Number(values[i + 1]);
            if (!this.rows.get(uid)?.has(seq) && !tx!.rows.some(([u, s]) => u === uid && s === seq)) {
              tx!.rows.push([uid, seq, values.slice(i, i + 12)]);
              inserted += 1;
            }
          }
          return { rows: [], rowCount: inserted };
        }
        if (text.startsWith('INSERT INTO') && text.includes('incidents')) { tx!.summary = values; return { rows: [], rowCount: 1 }; }
        return { rows: [], rowCount: null }; // DDL
      },
      release: () => undefined,
    };
  }

  async end(): Promise<void> { this.ended = true; }

  messages(uid: string): string[] {
    return [...(this.rows.get(uid)?.entries() ?? [])].sort((a, b) => a[0] - b[0]).map(([, v]) => String(v[11]));
  }
}

const entry = (i: number): TimelineEntry => ({ time: new Date(Date.UTC(2025, 5, 2, 10, 0, i)).toISOString(), type: `T${i}`, message: `msg ${i}` });

/** An incident whose status holds entries [from, to) of a timeline that had `to` entries in total. */
const inc = (uid: string, to: number, opts: { from?: number; rv?: string; phase?: 'Diagnosing' | 'Resolved' } = {}): Incident => {
  const timeline: TimelineEntry[] = [];
  for (let i = opts.from ?? 0; i < to; i += 1) timeline.push(entry(i));
  return {
    metadata: { name: `inc-${uid}`, namespace: 'ns', uid, resourceVersion: opts.rv ?? String(to) },
    spec: { severity: 'P1', summary: 's' },
    status: { phase: opts.phase ?? 'Diagnosing', openedAt: '2025-06-02T10:00:00Z', timeline, timelineTotal: to },
  };
};

function setup(opts: { maxPending?: number } = {}) {
  const db = new FakeDb();
  const out = new PassThrough();
  let logs = '';
  out.on('data', (b: Buffer) => { logs += b.toString('utf8'); });
  const writer = new IncidentLogWriter({ pool: db, log: createLogger('debug', out), maxPending: opts.maxPending, retry: { baseMs: 2, capMs: 10 } });
  return { db, writer, logs: () => logs };
}

const until = async (what: string, pred: () => boolean, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('incident-log/incident-log-writer', () => {
  const writers: IncidentLogWriter[] = [];
  const make = (opts: { maxPending?: number } = {}) => { const s = setup(opts); writers.push(s.writer); return s; };
  afterEach(async () => { for (const w of writers.splice(0)) await w.close(0); });

  it('writes every timeline entry and the summary in one transaction, tables prepared first', async () => {
    const { db, writer } = make();
    writer.start().enqueue(inc('a', 3, { phase: 'Resolved' }));
    expect(await writer.flush(2_000)).to.equal(true);
    expect(db.messages('a')).to.deep.equal(['msg 0', 'msg 1', 'msg 2']);
    expect(db.summaries.get('a')?.values[6]).to.equal('Resolved');
    const begin = db.statements.indexOf('BEGIN');
    expect(db.statements.slice(0, begin).some((s) => s.startsWith('CREATE TABLE IF'))).to.equal(true);
    expect(db.statements.slice(begin)).to.deep.equal(['BEGIN', 'SELECT max(seq) AS', 'INSERT INTO "incident_log"."timeline_entries"', 'INSERT INTO "incident_log"."incidents"', 'COMMIT']);
    expect(writer.stats()).to.include({ written: 1, entriesWritten: 3, pending: 0, failures: 0 });
  });

  it('enqueue returns at once and never throws, even for malformed objects', () => {
    const { writer } = make();
    writer.start();
    const cases: unknown[] = [{}, { metadata: {} }, { metadata: { uid: 'x', name: 'n', namespace: 'ns' } }, null];
    for (const c of cases) expect(() => writer.enqueue(c as Incident)).to.not.throw();
    expect(writer.stats().pending).to.be.at.most(1);
  });

  it('keeps only the newest state per uid, in first-enqueued order, while the database is down', async () => {
    const { db, writer } = make();
    db.up = false;
    writer.start();
    writer.enqueue(inc('a', 1));
    writer.enqueue(inc('b', 2));
    writer.enqueue(inc('a', 4));
    expect(writer.stats().pending).to.equal(2);
    await until('a few failed attempts', () => writer.stats().failures >= 3);
    db.up = true;
    expect(await writer.flush(2_000)).to.equal(true);
    expect(db.commits).to.deep.equal(['a', 'b']);
    expect(db.messages('a')).to.deep.equal(['msg 0', 'msg 1', 'msg 2', 'msg 3']);
    expect(writer.stats()).to.include({ written: 2, entriesWritten: 6, pending: 0 });
  });

  it('lag: seconds the oldest unwritten state has waited, kept while newer states of it replace it; 0 once written', async () => {
    const db = new FakeDb();
    const clock = new FakeClock(Date.UTC(2025, 5, 2, 10, 0, 0));
    const writer = new IncidentLogWriter({ pool: db, log: createLogger('error', new PassThrough()), retry: { baseMs: 2, capMs: 10 }, clock });
    writers.push(writer);
    db.up = false;
    writer.start();
    expect(writer.lagSeconds()).to.equal(0);
    writer.enqueue(inc('a', 1));
    clock.advance(10_000);
    writer.enqueue(inc('a', 2)); // newer state of the same incident: still waiting since the first
    writer.enqueue(inc('b', 1));
    clock.advance(5_000);
    expect(writer.lagSeconds()).to.equal(15);
    db.up = true;
    expect(await writer.flush(2_000)).to.equal(true);
    expect(writer.lagSeconds()).to.equal(0);
  });

  it('retries with growing attempts while the database is down, then logs the recovery', async () => {
    const { db, writer, logs } = make();
    db.up = false;
    writer.start().enqueue(inc('a', 2));
    await until('retries', () => writer.stats().failures >= 4);
    expect(writer.stats().written).to.equal(0);
    db.up = true;
    expect(await writer.flush(2_000)).to.equal(true);
    const lines = logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = lines.filter((l) => l.message === 'incident log: write failed, retrying');
    expect(failed.length).to.be.at.least(4);
    expect(failed.map((l) => l.attempt).slice(0, 3)).to.deep.equal([1, 2, 3]);
    expect(lines.some((l) => l.message === 'incident log: database reachable again, writing')).to.equal(true);
  });

  it('is bounded: the oldest pending state is dropped when full, and a resync brings it back', async () => {
    const { db, writer } = make({ maxPending: 2 });
    db.up = false;
    writer.start();
    const states = [inc('a', 1), inc('b', 1), inc('c', 1)];
    for (const s of states) writer.enqueue(s);
    expect(writer.stats()).to.include({ pending: 2, dropped: 1 });
    db.up = true;
    await writer.flush(2_000);
    expect(db.commits).to.deep.equal(['b', 'c']);
    writer.resync(states);
    await writer.flush(2_000);
    expect(db.commits).to.deep.equal(['b', 'c', 'a']);
  });

  describe('replays never duplicate rows', () => {
    const cases: { name: string; second: Incident; wantCommits: number; wantNew: number }[] = [
      { name: 'the same state again is skipped', second: inc('a', 3), wantCommits: 1, wantNew: 0 },
      { name: 'the same state under a new resourceVersion (conditions-only write) is skipped', second: inc('a', 3, { rv: 'x' }), wantCommits: 1, wantNew: 0 },
      { name: 'a new phase with the same entries updates the summary and inserts no row', second: inc('a', 3, { phase: 'Resolved' }), wantCommits: 2, wantNew: 0 },
      { name: 'a rolled timeline inserts only the new entries', second: inc('a', 5, { from: 2 }), wantCommits: 2, wantNew: 2 },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { db, writer } = make();
        writer.start().enqueue(inc('a', 3));
        await writer.flush(2_000);
        writer.enqueue(c.second);
        await writer.flush(2_000);
        expect(db.commits).to.have.length(c.wantCommits);
        expect(writer.stats().entriesWritten).to.equal(3 + c.wantNew);
        expect(db.messages('a')).to.deep.equal(['msg 0', 'msg 1', 'msg 2', 'msg 3', 'msg 4'].slice(0, 3 + c.wantNew));
      });
    }
  });

  it('counts and logs entries that left the bounded timeline before being logged', async () => {
    const { db, writer, logs } = make();
    writer.start().enqueue(inc('a', 2));
    await writer.flush(2_000);
    writer.enqueue(inc('a', 9, { from: 5 }));
    await writer.flush(2_000);
    expect(writer.stats().lostEntries).to.equal(3);
    expect([...db.rows.get('a')!.keys()].sort((x, y) => x - y)).to.deep.equal([0, 1, 5, 6, 7, 8]);
    expect(logs()).to.include('"missing":3');
  });

  describe('errors', () => {
    const cases: { name: string; code: string; wantRejected: number; wantFailures: number; wantAWritten: boolean; wantTextLogged: boolean }[] = [
      { name: 'invalid data (22007) is rejected and skipped', code: '22007', wantRejected: 1, wantFailures: 0, wantAWritten: false, wantTextLogged: false },
      { name: 'a constraint violation (23514) is rejected and skipped', code: '23514', wantRejected: 1, wantFailures: 0, wantAWritten: false, wantTextLogged: false },
      { name: 'a serialization failure (40001) is retried', code: '40001', wantRejected: 0, wantFailures: 1, wantAWritten: true, wantTextLogged: true },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { db, writer, logs } = make();
        db.failInsertFor.set('a', c.code);
        writer.start();
        writer.enqueue(inc('a', 1));
        writer.enqueue(inc('b', 1));
        expect(await writer.flush(2_000)).to.equal(true);
        expect(writer.stats()).to.include({ rejected: c.wantRejected, failures: c.wantFailures });
        expect(db.rows.has('a')).to.equal(c.wantAWritten);
        expect(db.rows.has('b')).to.equal(true);
        // data errors are logged by SQLSTATE only (their text may quote the value); others with their message
        expect(logs().includes('invalid input syntax')).to.equal(c.wantTextLogged);
        expect(logs()).to.include(`"code":"${c.code}"`);
      });
    }
  });

  it('close() flushes what is pending, then ends the pool; later enqueues are ignored', async () => {
    const { db, writer } = make();
    writer.start().enqueue(inc('a', 2));
    await writer.close(2_000);
    expect(db.messages('a')).to.have.length(2);
    expect(db.ended).to.equal(true);
    writer.enqueue(inc('b', 1));
    expect(writer.stats().pending).to.equal(0);
  });

  it('close() does not wait for a database that is down', async () => {
    const { db, writer } = make();
    db.up = false;
    writer.start().enqueue(inc('a', 2));
    await until('failing', () => writer.stats().failures >= 1);
    const t0 = Date.now();
    await writer.close(5_000);
    expect(Date.now() - t0).to.be.below(1_000);
    expect(db.ended).to.equal(true);
  });

  it('resync enqueues only incidents whose state was not written yet', async () => {
    const { db, writer } = make();
    writer.start().enqueue(inc('a', 2));
    await writer.flush(2_000);
    writer.resync([inc('a', 2), inc('b', 1)]);
    expect(writer.stats().pending).to.equal(1);
    await writer.flush(2_000);
    expect(db.commits).to.deep.equal(['a', 'b']);
  });
});
