/**
 * Realistic error lines (Node, Java, Go, Python, PostgreSQL, nginx, Kubernetes), each in two variants that
 * differ only in data (ids, addresses, names, timestamps, numbers): a useful signature keeps `keep` and is the
 * same for both variants (they group together), and differs from every other row's signature.
 */
export interface ErrorLine {
  source: 'node' | 'java' | 'go' | 'python' | 'postgres' | 'nginx' | 'kubernetes' | 'dotnet' | 'ruby';
  /** The same error twice, with different data. */
  variants: readonly [string, string];
  /** Substrings the signature must keep: the error class / code and the words saying what failed. */
  keep: readonly string[];
}

const e = (source: ErrorLine['source'], a: string, b: string, keep: readonly string[]): ErrorLine => ({ source, variants: [a, b], keep });

export const ErrorLines: readonly ErrorLine[] = [
  // Node
  e('node', 'Error: connect ECONNREFUSED 10.0.0.7:5432', 'Error: connect ECONNREFUSED 10.0.9.12:5433', ['Error: connect ECONNREFUSED', '<ip>:<port>']),
  e('node', 'Error: getaddrinfo ENOTFOUND db-primary.patients.svc', 'Error: getaddrinfo ENOTFOUND db-replica-7.clinic.svc', ['getaddrinfo ENOTFOUND <host>']),
  e('node', "TypeError: Cannot read properties of undefined (reading 'patientId')", "TypeError: Cannot read properties of undefined (reading 'patientId')", ['TypeError: Cannot read properties of undefined']),
  e('node', 'Error: read ECONNRESET at TLSWrap.onStreamRead', 'Error: read ECONNRESET at TLSWrap.onStreamRead', ['read ECONNRESET']),
  e('node', 'UnhandledPromiseRejection: Error: timeout of 5000ms exceeded', 'UnhandledPromiseRejection: Error: timeout of 30000ms exceeded', ['Error: timeout of', 'exceeded']),
  e('node', '{"level":50,"msg":"request failed","err":{"message":"ETIMEDOUT 10.1.2.3:443"},"patient":"Jane Roe"}', '{"level":50,"msg":"request failed","err":{"message":"ETIMEDOUT 10.4.5.6:443"},"patient":"Marisol Quixbury"}', ['ERROR request failed: ETIMEDOUT']),
  e('node', "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the client", "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the client", ['ERR_HTTP_HEADERS_SENT']),
  e('node', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', ['FATAL', 'heap out of memory']),
  // Java
  e('java', 'java.lang.NullPointerException: Cannot invoke "com.example.Patient.getName()" because "patient" is null', 'java.lang.NullPointerException: Cannot invoke "com.example.Patient.getName()" because "patient" is null', ['java.lang.NullPointerException']),
  e('java', 'org.postgresql.util.PSQLException: Connection to 10.0.0.5:5432 refused. Check that the hostname and port are correct', 'org.postgresql.util.PSQLException: Connection to 10.2.0.9:6432 refused. Check that the hostname and port are correct', ['PSQLException: Connection to <ip>:<port> refused']),
  e('java', 'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.', 'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30005ms.', ['SQLTransientConnectionException', 'request timed out']),
  e('java', 'java.lang.OutOfMemoryError: Java heap space', 'java.lang.OutOfMemoryError: Java heap space', ['OutOfMemoryError: Java heap space']),
  e('java', 'ERROR 1 --- [nio-8080-exec-3] c.e.api.PatientController : Patient lookup failed for MRN 00482913', 'ERROR 1 --- [nio-8080-exec-9] c.e.api.PatientController : Patient lookup failed for MRN 00777123', ['PatientController', 'lookup failed']),
  e('java', 'javax.net.ssl.SSLHandshakeException: PKIX path building failed', 'javax.net.ssl.SSLHandshakeException: PKIX path building failed', ['SSLHandshakeException']),
  e('java', 'Caused by: java.net.SocketTimeoutException: Read timed out', 'Caused by: java.net.SocketTimeoutException: Read timed out', ['SocketTimeoutException: Read timed out']),
  e('java', 'ORA-12541: TNS:no listener', 'ORA-12541: TNS:no listener', ['ORA-12541']),
  // Go
  e('go', 'panic: runtime error: invalid memory address or nil pointer dereference', 'panic: runtime error: invalid memory address or nil pointer dereference', ['panic: runtime error: invalid memory address or nil pointer dereference']),
  e('go', 'panic: runtime error: index out of range [5] with length 3', 'panic: runtime error: index out of range [12] with length 7', ['index out of range']),
  e('go', 'dial tcp 10.96.0.10:53: i/o timeout', 'dial tcp 10.96.3.11:53: i/o timeout', ['dial tcp <ip>:<port>: i/o timeout']),
  e('go', 'level=error ts=2026-11-27T03:00:00Z msg="failed to connect" err="context deadline exceeded" user=marisol', 'level=error ts=2026-11-27T04:10:00Z msg="failed to connect" err="context deadline exceeded" user=ignatius', ['failed to connect', 'context deadline exceeded']),
  e('go', 'E1127 03:00:00.123456 1 reflector.go:138] failed to list *v1.Pod: Unauthorized', 'E1127 04:11:02.654321 1 reflector.go:138] failed to list *v1.Pod: Unauthorized', ['failed to list', 'Unauthorized']),
  e('go', 'failed to query patients: pq: canceling statement due to statement timeout (SQLSTATE 57014)', 'failed to query patients: pq: canceling statement due to statement timeout (SQLSTATE 57014)', ['SQLSTATE 57014', 'statement timeout']),
  e('go', 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp 10.0.0.8:9090: connect: connection refused"', 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp 10.3.3.3:9090: connect: connection refused"', ['rpc error: code = Unavailable']),
  // Python
  e('python', "KeyError: 'patient_id'", "KeyError: 'patient_id'", ["KeyError: 'patient_id'"]),
  e('python', 'ValueError: invalid literal for int() with base 10: \'Jane Roe\'', 'ValueError: invalid literal for int() with base 10: \'Rose Baker\'', ['ValueError: invalid literal for int()']),
  e('python', 'ERROR:root:Unhandled exception while handling request for patient Jane Q. Roe', 'ERROR:root:Unhandled exception while handling request for patient Marisol Quixbury', ['ERROR Unhandled exception while handling request for patient <name>']),
  e('python', 'psycopg2.OperationalError: could not connect to server: Connection refused', 'psycopg2.OperationalError: could not connect to server: Connection refused', ['OperationalError: could not connect to server: Connection refused']),
  e('python', 'sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "patients_email_key"', 'sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "patients_email_key"', ['IntegrityError', 'UniqueViolation', 'patients_email_key']),
  e('python', 'ConnectionRefusedError: [Errno 111] Connection refused', 'ConnectionRefusedError: [Errno 111] Connection refused', ['ConnectionRefusedError: [Errno 111] Connection refused']),
  e('python', 'requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.example.org/patients/00482913', 'requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.example.org/patients/00998877', ['HTTPError', 'Service Unavailable', '<url>']),
  // PostgreSQL
  e('postgres', '2026-11-27 03:00:00.123 UTC [123] FATAL:  password authentication failed for user "app"', '2026-11-27 05:00:00.456 UTC [987] FATAL:  password authentication failed for user "app"', ['FATAL', 'password authentication failed for user']),
  e('postgres', 'ERROR:  duplicate key value violates unique constraint "patients_mrn_key" DETAIL:  Key (mrn)=(00482913) already exists.', 'ERROR:  duplicate key value violates unique constraint "patients_mrn_key" DETAIL:  Key (mrn)=(00991234) already exists.', ['duplicate key value violates unique constraint', 'already exists']),
  e('postgres', 'FATAL:  sorry, too many clients already', 'FATAL:  sorry, too many clients already', ['too many clients already']),
  e('postgres', 'ERROR:  canceling statement due to statement timeout', 'ERROR:  canceling statement due to statement timeout', ['canceling statement due to statement timeout']),
  e('postgres', 'ERROR:  deadlock detected DETAIL:  Process 4412 waits for ShareLock on transaction 991; blocked by process 4413.', 'ERROR:  deadlock detected DETAIL:  Process 5512 waits for ShareLock on transaction 1023; blocked by process 5513.', ['deadlock detected', 'ShareLock']),
  e('postgres', 'ERROR:  relation "patient_notes" does not exist at character 15', 'ERROR:  relation "patient_notes" does not exist at character 22', ['relation "patient_notes" does not exist']),
  e('postgres', 'FATAL:  the database system is in recovery mode', 'FATAL:  the database system is in recovery mode', ['database system is in recovery mode']),
  e('postgres', 'LOG:  could not receive data from client: Connection reset by peer', 'LOG:  could not receive data from client: Connection reset by peer', ['could not receive data from client']),
  // nginx
  e('nginx', '2026/11/27 03:00:00 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: api, request: "GET /api/patients/00482913 HTTP/1.1", upstream: "http://10.0.0.9:8080/api/patients/00482913"', '2026/11/27 04:12:09 [error] 31#31: *77 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.8.1, server: api, request: "GET /api/patients/00998877 HTTP/1.1", upstream: "http://10.0.0.9:8080/api/patients/00998877"', ['connect() failed', 'Connection refused', 'while connecting to upstream']),
  e('nginx', '2026/11/27 03:00:00 [error] 31#31: *9 upstream timed out (110: Connection timed out) while reading response header from upstream', '2026/11/27 03:20:00 [error] 32#32: *12 upstream timed out (110: Connection timed out) while reading response header from upstream', ['upstream timed out', 'while reading response header from upstream']),
  e('nginx', '2026/11/27 03:00:00 [crit] 31#31: *3 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking', '2026/11/27 05:00:00 [crit] 31#31: *8 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking', ['SSL_do_handshake() failed']),
  e('nginx', '2026/11/27 03:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)', '2026/11/27 03:00:05 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)', ['bind() to <ip>:<port> failed', 'Address already in use']),
  // Kubernetes / .NET / Ruby
  e('kubernetes', 'Error from server (Forbidden): pods "api-7f9c2d-x8k2z" is forbidden: User "system:serviceaccount:team:ci" cannot get resource "pods"', 'Error from server (Forbidden): pods "api-5d8b9c-q2w3e" is forbidden: User "system:serviceaccount:team:ci" cannot get resource "pods"', ['Error from server (Forbidden)', 'is forbidden']),
  e('dotnet', 'System.InvalidOperationException: Sequence contains no elements at Patients.Api.Lookup(String mrn)', 'System.InvalidOperationException: Sequence contains no elements at Patients.Api.Lookup(String mrn)', ['InvalidOperationException: Sequence contains no elements']),
  e('ruby', "ActiveRecord::RecordNotFound: Couldn't find Patient with 'id'=4412", "ActiveRecord::RecordNotFound: Couldn't find Patient with 'id'=9981", ['RecordNotFound']),
];
