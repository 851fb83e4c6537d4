import { expect } from 'chai';
import { terminationIntentsOf, waitingSessionsOf } from '../../../src/api/query-termination-status.js';

const intent = { server: 'pg-system-1', pid: 10, backendStart: '2024-05-01T10:00:00.000001Z', intendedAt: '2024-05-01T10:00:05Z', why: 'RootBlocker', waiters: 3, ageSeconds: 900, user: 'u', application: null, database: 'app', state: 'active', fingerprint: 'SELECT ?' };

describe('terminationIntentsOf / waitingSessionsOf (status read from the cache)', () => {
  it('keeps well-formed intents with their result', () => {
    expect(terminationIntentsOf({ terminations: [{ ...intent, result: 'Terminated', at: '2024-05-01T10:00:06Z' }] }))
      .to.deep.equal([{ ...intent, result: 'Terminated', at: '2024-05-01T10:00:06Z' }]);
  });

  it('drops malformed entries instead of guessing (a ledger entry needs server, pid, backendStart, intendedAt)', () => {
    const bad = [null, 'x', { ...intent, pid: '10' }, { ...intent, server: undefined }, { ...intent, intendedAt: 5 }, { ...intent, backendStart: null }];
    expect(terminationIntentsOf({ terminations: bad })).to.deep.equal([]);
    expect(terminationIntentsOf(undefined)).to.deep.equal([]);
    expect(terminationIntentsOf({ terminations: 'nope' })).to.deep.equal([]);
  });

  it('fills optional fields with safe defaults', () => {
    const [t] = terminationIntentsOf({ terminations: [{ server: 's', pid: 1, backendStart: 'b', intendedAt: 'i', waiters: 'many' }] });
    expect(t).to.deep.equal({ server: 's', pid: 1, backendStart: 'b', intendedAt: 'i', why: '', waiters: 0, ageSeconds: 0, user: null, application: null, database: null, state: null, fingerprint: '' });
  });

  it('waiting sessions: pid and backendStart only', () => {
    expect(waitingSessionsOf({ waitingSessions: [{ pid: 1, backendStart: 'b' }, { pid: 'x' }, null] })).to.deep.equal([{ pid: 1, backendStart: 'b' }]);
    expect(waitingSessionsOf({})).to.deep.equal([]);
  });
});
