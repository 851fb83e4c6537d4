/** Shared builders for the query-termination unit tests. */
import type { TerminationPolicy } from '../../../src/decide/query-termination.js';
import type { SessionInfo } from '../../../src/decide/session-eligibility.js';

export const ordinary = { superuser: false, replication: false, admin: false } as const;

export function session(overrides: Partial<SessionInfo> & { pid: number }): SessionInfo {
  return {
    backendType: 'client backend',
    backendStart: `2024-05-01T10:00:00.${String(overrides.pid).padStart(6, '0')}Z`,
    user: 'app_user',
    database: 'app',
    application: 'api',
    state: 'active',
    durationSeconds: 600,
    transactionAgeSeconds: 600,
    stateAgeSeconds: 600,
    blockedBy: [],
    privilege: { ...ordinary },
    fingerprint: 'SELECT pg_sleep(?)',
    ...overrides,
  };
}

export function policy(overrides: Partial<TerminationPolicy> = {}): TerminationPolicy {
  return { thresholdSeconds: 300, budget: 5, ownPid: 1, databases: ['app'], ...overrides };
}
