/**
 * Database evidence in `status.diagnosis.database`: connectivity step by step and load (runbook API outage
 * step 3, database performance steps 1–4). Query text appears only as fingerprints (literals replaced).
 */

/** The connectivity steps, in order. */
export const ConnectivityStep = {
  Dns: 'dns',
  Tcp: 'tcp',
  Tls: 'tls',
  Auth: 'auth',
  Select1: 'select1',
} as const;
export type ConnectivityStep = (typeof ConnectivityStep)[keyof typeof ConnectivityStep];

/** Why a connectivity step failed. */
export const ConnectivityReason = {
  DNSFailed: 'DNSFailed',
  ConnectionRefused: 'ConnectionRefused',
  Timeout: 'Timeout',
  TLSFailed: 'TLSFailed',
  AuthenticationFailed: 'AuthenticationFailed',
  QueryFailed: 'QueryFailed',
  Skipped: 'Skipped',
} as const;
export type ConnectivityReason = (typeof ConnectivityReason)[keyof typeof ConnectivityReason];

/** One connectivity step's outcome. */
export interface ConnectivityStepResult {
  /** dns, tcp, tls, auth or select1. */
  step: ConnectivityStep;
  /** The step succeeded. */
  ok: boolean;
  /** Time the step took, in milliseconds. */
  latencyMs: number;
  /** Why it failed (Skipped after an earlier failure). */
  reason?: ConnectivityReason;
  /** Short, redacted explanation (never the password). */
  message?: string;
}

/** DNS → TCP → TLS → auth → SELECT 1, each with latency and reason. */
export interface ConnectivityReport {
  /** Every step succeeded. */
  reachable: boolean;
  /** Sum of the steps' latencies, in milliseconds. */
  totalLatencyMs: number;
  /** The steps in order. */
  steps: ConnectivityStepResult[];
  /** e.g. `database reachable in 3 ms`, `database unreachable: connection refused (127.0.0.1:5999)`. */
  summary: string;
}

/** A query running longer than the threshold. */
export interface LongRunningQuery {
  /** Backend process id. */
  pid: number;
  /** Role name (redacted). */
  user: string | null;
  /** Database name. */
  database: string | null;
  /** application_name (redacted). */
  application: string | null;
  /** pg_stat_activity.state. */
  state: string | null;
  /** Seconds since query_start. */
  durationSeconds: number;
  /** Seconds since xact_start, null outside a transaction. */
  transactionAgeSeconds: number | null;
  /** pg_stat_activity.wait_event_type. */
  waitEventType: string | null;
  /** pg_stat_activity.wait_event. */
  waitEvent: string | null;
  /** backend_start, ISO 8601 UTC with microseconds: identifies the session together with pid. */
  backendStart: string;
  /** Query fingerprint (literals replaced by `?`). */
  fingerprint: string;
}

/** A session in a blocked/blocking pair. */
export interface SessionSummary {
  /** Backend process id. */
  pid: number;
  /** Role name (redacted). */
  user: string | null;
  /** application_name (redacted). */
  application: string | null;
  /** pg_stat_activity.state. */
  state: string | null;
  /** pg_stat_activity.backend_type. */
  backendType: string | null;
  /** Seconds since query_start, null when unknown. */
  durationSeconds: number | null;
  /** pg_stat_activity.wait_event_type. */
  waitEventType: string | null;
  /** pg_stat_activity.wait_event. */
  waitEvent: string | null;
  /** backend_start, ISO 8601 UTC with microseconds. */
  backendStart: string | null;
  /** Query fingerprint. */
  fingerprint: string;
}

/** One session waiting on a lock another holds. */
export interface BlockingPair {
  /** The waiting session. */
  blocked: SessionSummary;
  /** The session it waits on (pg_blocking_pids). */
  blocking: SessionSummary;
}

/** Connections against max_connections. */
export interface ConnectionUsage {
  /** Client backends, all databases. */
  used: number;
  /** max_connections. */
  maxConnections: number;
  /** superuser_reserved_connections. */
  superuserReservedConnections: number;
  /** used / (maxConnections - superuserReservedConnections), 0..1+. */
  utilization: number;
  /** Client backends by state ('active', 'idle', 'idle in transaction', ...; 'unknown' when hidden). */
  byState: Record<string, number>;
}

/** The oldest open transaction of another client session. */
export interface OldestTransaction {
  /** Backend process id. */
  pid: number;
  /** Role name (redacted). */
  user: string | null;
  /** pg_stat_activity.state. */
  state: string | null;
  /** Seconds since xact_start. */
  ageSeconds: number;
  /** Fingerprint of its latest query. */
  fingerprint: string;
}

/** A table read mostly by sequential scans. */
export interface TableScanStats {
  /** Schema name. */
  schema: string;
  /** Table name. */
  table: string;
  /** pg_stat_user_tables.seq_scan. */
  seqScan: number;
  /** pg_stat_user_tables.seq_tup_read. */
  seqTupRead: number;
  /** pg_stat_user_tables.idx_scan, null without indexes. */
  idxScan: number | null;
  /** pg_stat_user_tables.n_live_tup. */
  liveTuples: number;
}

/** The sections of the load check (each fails soft). */
export const LoadSection = {
  LongRunningQueries: 'longRunningQueries',
  Blocking: 'blocking',
  Connections: 'connections',
  OldestTransaction: 'oldestTransaction',
  TableScans: 'tableScans',
} as const;
export type LoadSection = (typeof LoadSection)[keyof typeof LoadSection];

/** A load section that failed. */
export interface LoadSectionError {
  /** Which section. */
  section: LoadSection;
  /** SQLSTATE or node error code when known. */
  code?: string;
  /** Redacted error message. */
  message: string;
}

/**
 * A client transaction open longer than the threshold, or one holding locks: reported even when no statement
 * runs long (an idle-in-transaction session holding a lock is the classic root of a pile-up).
 */
export interface OpenTransaction {
  /** Backend process id. */
  pid: number;
  /** Role name (redacted). */
  user: string | null;
  /** application_name (redacted). */
  application: string | null;
  /** Database name. */
  database: string | null;
  /** pg_stat_activity.state. */
  state: string | null;
  /** Seconds since xact_start. */
  transactionAgeSeconds: number;
  /** Seconds since state_change while idle in transaction; null when running. */
  idleSeconds: number | null;
  /** Locks it holds (granted rows of pg_locks). */
  locksHeld: number;
  /** Sessions whose pg_blocking_pids() name it. */
  blocking: number;
  /** Fingerprint of its latest statement. */
  fingerprint: string;
}

/** Long and lock-holding transactions (runbook database performance step 2: what holds locks, for how long). */
export interface TransactionReport {
  /** Transactions older than the threshold, oldest first (idle in transaction included). */
  longTransactions: OpenTransaction[];
  /** Sessions holding locks the longest, oldest transaction first, whatever their age. */
  lockHolders: OpenTransaction[];
  /** Sessions waiting for a lock (pg_blocking_pids not empty). */
  waitingForLocks: number;
}

/** Database load (runbook database performance steps 2–4). */
export interface DatabaseLoadReport {
  /** Threshold for "long-running", in seconds. */
  longQueryThresholdSeconds: number;
  /** Queries over the threshold, longest first. */
  longRunningQueries: LongRunningQuery[];
  /** Blocked/blocking pairs. */
  blocking: BlockingPair[];
  /** null when the section failed (see errors). */
  connections: ConnectionUsage | null;
  /** null when no other client session has an open transaction, or when the section failed. */
  oldestTransaction: OldestTransaction | null;
  /** Tables read mostly by sequential scans. */
  tableScans: TableScanStats[];
  /** Long and lock-holding transactions, and how many sessions wait for locks (absent when not read). */
  transactions?: TransactionReport;
  /** Sections that failed. */
  errors: LoadSectionError[];
}

/**
 * PostgreSQL's own counters for the Incident's database (pg_stat_database) as deltas over the diagnosis window:
 * load is visible even without Prometheus (runbook database performance steps 1 and 3).
 */
export interface DatabaseActivity {
  /** Seconds between the two readings. */
  windowSeconds: number;
  /** Transactions committed in the window. */
  commits: number;
  /** Transactions rolled back in the window. */
  rollbacks: number;
  /** Disk blocks read in the window (shared buffer misses). */
  blocksRead: number;
  /** Buffer hits in the window. */
  blocksHit: number;
  /** blocksHit / (blocksHit + blocksRead) in the window, null without reads or hits. */
  cacheHitRatio: number | null;
  /** Bytes written to temporary files in the window (sorts and hashes spilling to disk). */
  tempBytes: number;
  /** Deadlocks detected in the window. */
  deadlocks: number;
}

/** Everything the database checks found. */
export interface DatabaseEvidence {
  /** Whether the connection Secret could be read and parsed. */
  secret: {
    /** The Secret was read and is valid. */
    ok: boolean;
    /** Why not (never a value from it). */
    message?: string;
  };
  /** Connectivity steps (absent when the Secret was unusable). */
  connectivity?: ConnectivityReport;
  /** Load (database incidents, or when termination is enabled). */
  load?: DatabaseLoadReport;
  /** pg_stat_database deltas over the diagnosis window (absent when not read). */
  activity?: DatabaseActivity;
  /** Why the load check failed as a whole. */
  loadError?: string;
  /** One line. */
  summary: string;
}
