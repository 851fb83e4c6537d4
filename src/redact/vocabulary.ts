/**
 * The one vocabulary of the default-deny redactor (see `token-classes.ts`): which words may leave the process.
 *
 * - `TechnicalWords`: a curated list of words that error messages are made of. They are kept in any case
 *   (`Connection refused`, `CONNECTION REFUSED`). None of them is a common given name or surname (tested).
 * - `EnglishWords`: the `an-array-of-english-words` list (~275k words) minus `NameLikeWords` (given names and
 *   surnames the list happens to contain: jane, john, smith, doe, roe, ...), `HealthWords` (diagnoses, which
 *   the list also contains) and `PlaceWords` (berlin, york, ...). Kept only when the word is lowercase in the source line: a capitalised `Baker`
 *   or `Rose` is treated as a name.
 * - `UpperWords`: all-caps tokens that are safe (log levels, SQL keywords, protocols, errno names).
 *
 * Loading the list reads a JSON file once, at import time; every function here is pure.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const words = (text: string): string[] => text.split(/\s+/u).filter((w) => w.length > 0);

/** Words that error messages are made of. Lowercase; also accepted capitalised or all-caps. */
export const TechnicalWords: ReadonlySet<string> = new Set(words(`
  a an the and or not no nor but if then else when while for from to of in on at by with without within into
  onto over under after before during since until via per as is are was were be been being has have had do does
  did done can cannot could should would might must shall won't can't couldn't isn't wasn't doesn't
  didn't unable able this that these those it its there here all any each every some none other another more
  less most least only also too very just yet still again already now never always than so such same
  which what who whom whose where why how up down out off above below between through against across
  abort aborted aborting accept accepted access accessed account acquire acquired action active add added
  address addr admin again agent alive alloc allocate allocated allocation allow allowed already api app
  append application apply applied argument arguments arg args array assert assertion attempt attempts
  attempted auth authentication authenticate authenticated authorization authorized available back backend
  backoff bad balancer base batch begin binary bind block blocked body boolean bound broken broker buffer
  build bytes cache cached call called caller cancel canceled cancelled canceling cancelling capacity cast
  caught cause caused certificate chain change changed channel characters check checked checksum child
  class clean cleanup clear client close closed closing cluster code column command commit committed
  compile complete completed config configuration configured conflict connect connected connecting connection
  connections connector consumer container content context continue controller convert copy core corrupt
  corrupted count could crash crashed create created creating credential credentials current cursor daemon
  data database date db deadline deadlock decode decoded default defined delete deleted deleting denied
  dependency deploy deployment deprecated dereference descriptor deserialize destination detail detected
  device dial died directory disabled disconnected disk dispatch dns document domain driver drop dropped
  due duplicate elapsed element empty enable enabled encode encoding end endpoint entity entry environment
  eof err error errors established event events exceeded exception exceptions exec execute executed
  execution exist existing exists exit exited expected expire expired export expression extension fail
  failed failing fails failure false fatal fault fetch fetching field file filesystem filter find finished
  first flush folder for foreign format forbidden found frame free full function gateway get handle handler
  handshake hang header headers health healthy heap host hostname http https id identifier idle ignored
  illegal image import incoming incomplete incorrect index info init initial initialize initialized input
  insert insufficient instance integer integrity interface internal interrupt interrupted invalid io issue
  item job join json key keys kill killed label large last latency leader length level library limit line
  link list listen listener listening load loaded loading local locale lock locked log logged logger login
  lookup loop lost malformed manager map mapping match max maximum memory message messages method
  metric migration min minimum minute minutes missing mode model module monitor mount ms multiple must
  mutex name named namespace negative network new next nil node nonexistent normal notfound notify null
  number object occurred offset ok old open opened operation operator option optional options order
  out outgoing output overflow owner package packet page panic param parameter parameters parse parsed
  parser parsing partition password patch path pattern payload peer pending permission permissions pid
  pipe plugin pod pointer policy pool port post pre primary probe process processed processing producer
  profile protocol provider proxy publish pull push queue query queued quota race range rate read readiness
  reading ready reason receive received record records recover recovered redirect reference refused
  register registered registry reject rejected relation release reload remote remove removed rename
  replica replication request requested requests required reserved reset resolve resolved resource
  resources response restart restarted restarting result retry retrying return returned revision role
  rollback root route row rows rule run running runtime save scan schema scope script second seconds secret
  section segmentation select send sent serialize server service session set setting settings shutdown
  signal signature size skip skipped slow socket source space spawn sql ssl stack start started starting
  startup state statement status stop stopped storage stream string subscription success succeeded
  successful sync syntax system table target task tcp temporary terminate terminated terminating test
  text thread threw throw thrown time timed timeout timestamp tls token too topic total trace transaction
  transport trigger true truncated try trying type types unauthorized undefined unexpected unhandled
  unique unknown unreachable unrecognized unsupported update updated upstream uri url usage use used user
  username users using valid validation value values variable verify version violates violation volume
  wait waiting warn warning watch worker write writing wrong yaml zero
  abnormal accepting ack acknowledged aggregate alias ambiguous anonymous assign async attach attribute
  await backup bean bin bracket bucket bus busy bytecode callback capture certificate cgroup char chunk
  cipher circuit classpath claim codec collation collection compare compressed concurrent condition
  consistency constraint consume contain control cookie coroutine cpu cron csv decimal declare decrypt
  definition delay deliver delivery dequeue destroy digest dir disconnect dispatcher downstream dump
  dynamic encrypt enqueue entries enum epoch escape evict exhausted expand explicit expose external
  extract factory fallback feature fixed flag float flow forward fork frozen gc generic gone goroutine
  grpc guard hash heartbeat hook hop idempotent immutable implement implemented incompatible infinite
  inherit inject inline inode instantiate intercept interval invoke invoked ip iterator jar java javascript
  jdbc jvm kernel keystore lambda layer lease legacy lifecycle limiter lint literal liveness loader locator
  logical lua machine manifest marshal master memoize merge mesh meta metadata middleware mismatch mock
  monotonic mutable native nested netty nginx node_modules nullable numeric oauth occupied oom opcode
  optimistic orm orphan outbound override packed padding parent partial peer persist pipeline placeholder
  platform poll postgres postgresql predicate prefix prepare prepared prepend private privilege procedure
  promise prop property proto protobuf provision public python qualifier queryset reactor readonly realm
  rebalance recursion redis reducer reentrant refresh regex region relay remaining render replay repository
  requeue resize resolver restore resume retention reverse revoked router rpc rust sandbox scheduler
  selector semaphore sequence serializer serve servlet shard shared sidecar sigkill sigterm sink slice
  snapshot sort spawned spring stale standby stat static stderr stdout strict struct stub subnet
  subprocess subscriber suffix superuser suspend swap symbol symlink synchronous tag template tenant
  terminal thrown tick timer tmp tomcat topology tracker traceback transient tree truncate tuple typeerror
  unavailable unbound uncaught undeclared underflow unmarshal unmount unpack unresolved unset unsigned
  unwrap upgrade upload utf vacuum validate validator vector verbose view virtual void wal webhook
  websocket whitelist allowlist denylist window workload wrapper xml
  patient patients record records visit appointment lookup loading loaded bearer basic digest
  diagnosis condition allergy medication prescription treatment symptom psql pgbouncer pgadmin jdbc
  lang util org com net io concurrent springframework hibernate postgresql sqlalchemy psycopg django flask
  express axios npm yarn pip maven gradle
  acknowledge acknowledged escalate escalated escalation incident incidents tier tiers page paged paging
  mitigate mitigating mitigated investigate investigating investigation resolve resolving restore restored
  respond responded responder contacted contact please reply confirm confirmed retried retries retrying
  detected diagnose diagnosed diagnosing monitoring monitor severity impact impaired degraded outage down
  rolled rollout rolling replicas replica pods crash crashing looping crashloop crash-looping available
  missing desired open opened closed owner oncall on-call engineer engineering manager team lead vp cto
  call called runbook dashboard logs metrics alert alerts alerting firing fired webhook slack pagerduty
  summary description details step steps taken action actions ask asked reason reasons because cause
  root-cause affected affecting affects users customers service services api apis health unhealthy healthy
  operator kubernetes kubectl deployment deployments statefulset daemonset configmap ingress cronjob
  mrn ssn dob iban email phone fax mobile address zip postcode plate vin serial imei device account
  collect collected list listed review reviewed check checks inspect inspected gather gathered queried
  scale scaled pause paused resume resumed notified notification notifications create apply applied verified
  capture captured wait waited skip cancel terminate terminated terminating reconcile reconciles reconciled
  rollbacks timeline work you your we our they alertmanager prometheus grafana document documented
  seconds hours pending last previous current latest earlier later steps attempted attempt observed
  msg pc sms std ecs err req res ctx cfg conf env args argv tmp src dst lib pkg fn func impl obj ptr buf len
  checkout login logout signup signin payment payments billing search cart order orders portal scheduling
  appointments upload uploads download downloads report reports export imports frontend backend gateway web
  getaddrinfo javax pq exc desc reached hikari hikaripool sqlstate libpq pgx gorm knex sequelize prisma
  idx num str int bool addr conn dev prod stg ns svc uid gid sys proc stdin mem ops lodash cpp rb js ts py go
  lookup lookups retrieve retrieved fetch fetched sync synced load loads saving saved write writes read reads
  byte kb mb gb ms ns us sec secs min mins hour hours day days
`));

/**
 * Given names and surnames that the English list contains (lowercase). Removed from `EnglishWords`, so that
 * `patient jane roe` loses them even in lowercase. Not exhaustive: the name-context rule in `token-classes.ts`
 * and the capitalisation rule do most of the work; this list covers the most common ones.
 */
export const NameLikeWords: ReadonlySet<string> = new Set(words(`
  jane john mary smith doe roe james michael william joseph nancy betty donna carol jones johnson williams
  martin lewis nelson morris murphy rogers morgan bailey kelly carter walker allen wright adams turner
  parker collins cooper reed ward brooks gray sanders foster rose grace hope joy faith jack jim bob tom
  dick harry peter paul luke matthew andrew chris kate sue ann anne jean joan jill amy eve ruth roy rex
  ben dan don ken ted ron tim bill pat frank earl carl gene glen jay lee douglas gordon hunter mason
  porter fisher fletcher baker butler carpenter chapman fox hunt knight mills palmer russell webb brown
  bishop duke moss payne pierce robin stuart harvey neil ross olive ivy holly iris daisy hazel ruby pearl
  jasmine violet lily heather fern laurel sandy rusty victoria elizabeth henry charles george edward
  arthur albert alfred alice emma julia lucy sophia jesus christ ali omar chen wang zhang liu huang zhao
  zhou garcia lopez perez patel kumar singh shah khan
`));

/**
 * Health terms the English list contains. Removed from `EnglishWords` (a diagnosis next to a person is PHI);
 * the health-context rule in `token-classes.ts` catches the rest after `diagnosis`, `dx`, `condition`, ...
 */
export const HealthWords: ReadonlySet<string> = new Set(words(`
  hiv aids cancer carcinoma tumor tumour leukemia leukaemia lymphoma melanoma diabetes diabetic asthma
  schizophrenia schizophrenic bipolar depression depressive anxiety psychosis psychotic autism autistic
  dementia alzheimer alzheimers parkinson parkinsons epilepsy epileptic hepatitis tuberculosis syphilis
  gonorrhea chlamydia herpes pregnant pregnancy abortion miscarriage overdose addiction addict alcoholic
  alcoholism suicidal suicide anorexia bulimia obesity obese stroke seizure arthritis cirrhosis hypertension
  insulin chemotherapy dialysis transplant amputation infertility infertile std stds covid influenza
  measles mumps malaria cholera ebola mastectomy hysterectomy vasectomy opioid opioids methadone
  antidepressant antipsychotic lithium sertraline fluoxetine
`));

/** All-caps tokens that are safe: levels, SQL keywords, protocols, formats, errno names. */
export const UpperWords: ReadonlySet<string> = new Set(words(`
  TRACE DEBUG INFO NOTICE WARN WARNING ERROR ERR CRITICAL CRIT FATAL PANIC SEVERE ALERT EMERG EMERGENCY
  LOG DETAIL HINT CONTEXT STATEMENT LOCATION QUERY WHERE
  SELECT INSERT UPDATE DELETE FROM INTO VALUES SET AND OR NOT NULL IS IN AS ON JOIN LEFT RIGHT INNER OUTER
  GROUP BY ORDER LIMIT OFFSET HAVING UNION ALL DISTINCT CREATE DROP ALTER TABLE INDEX VIEW BEGIN COMMIT
  ROLLBACK TRANSACTION RETURNING LIKE ILIKE BETWEEN EXISTS CASE WHEN THEN ELSE END WITH PRIMARY KEY
  FOREIGN REFERENCES CONSTRAINT UNIQUE DEFAULT GRANT REVOKE TRUNCATE VACUUM ANALYZE EXPLAIN COPY LOCK
  SQL SQLSTATE DB API HTTP HTTPS TCP UDP TLS SSL DNS URL URI JSON XML YAML CSV UTF ASCII GET POST PUT PATCH
  HEAD OPTIONS CONNECT OK EOF OOM OOMKILLED CPU RAM IO JVM JDK GC PID UID GID TTL RPC GRPC REST SOAP
  AWS GCP TCP IP IPV4 IPV6 SSH FTP SMTP LDAP JWT OAUTH SASL SCRAM MD5 SHA AES RSA TZ UTC GMT ID
  SIGSEGV SIGKILL SIGTERM SIGINT SIGHUP SIGABRT SIGBUS SIGPIPE SIGQUIT SIGILL SIGFPE SIGUSR1 SIGUSR2
  ECONNREFUSED ECONNRESET ECONNABORTED ETIMEDOUT ENOTFOUND EAI_AGAIN EHOSTUNREACH ENETUNREACH ENETDOWN
  EPIPE EADDRINUSE EADDRNOTAVAIL EACCES EPERM ENOENT EEXIST EISDIR ENOTDIR ENOTEMPTY EMFILE ENFILE ENOMEM
  ENOSPC EROFS EBADF EINVAL EAGAIN EWOULDBLOCK EBUSY EINTR EIO ECANCELED EPROTO ENOTCONN ESHUTDOWN
  ERR_INVALID_ARG_TYPE ERR_HTTP_HEADERS_SENT ERR_STREAM_DESTROYED ERR_SOCKET_CONNECTION_TIMEOUT
  ERR_TLS_CERT_ALTNAME_INVALID ERR_MODULE_NOT_FOUND ERR_UNHANDLED_REJECTION ERR_OSSL_EVP_UNSUPPORTED
  CERT_HAS_EXPIRED DEPTH_ZERO_SELF_SIGNED_CERT UNABLE_TO_VERIFY_LEAF_SIGNATURE SELF_SIGNED_CERT_IN_CHAIN
  UNAVAILABLE DEADLINE_EXCEEDED RESOURCE_EXHAUSTED PERMISSION_DENIED UNAUTHENTICATED NOT_FOUND INTERNAL
  ALREADY_EXISTS FAILED_PRECONDITION ABORTED CANCELLED UNKNOWN UNIMPLEMENTED OUT_OF_RANGE DATA_LOSS
  TNS PKIX MR IBAN SSN MRN DOB NHS NPI ZIP VIN IMEI MAC PHI PII HIPAA GDPR EU UK US
  A I
`));

/** Places (cities, states, countries, counties) that the English list contains: geography is PHI below a state. */
export const PlaceWords: ReadonlySet<string> = new Set(words(`
  paris berlin vienna warsaw brussels geneva hamburg frankfurt cologne florence marseille bordeaux boston
  portland buffalo jersey york texas virginia michigan alaska manchester bristol oxford india china japan spain
  turkey greece canada brazil chile niger chad wales holland russia charlotte toledo dover kent surrey devon
  london washington
`));

const englishList: unknown = require('an-array-of-english-words');

/** The English list minus name-like and health words (lowercase). */
export const EnglishWords: ReadonlySet<string> = new Set(
  (Array.isArray(englishList) ? englishList : []).filter(
    (w): w is string => typeof w === 'string' && !NameLikeWords.has(w) && !HealthWords.has(w) && !PlaceWords.has(w),
  ),
);

/** A word of the technical vocabulary in any case (`refused`, `Refused`, `REFUSED`). */
export function isTechnicalWord(word: string): boolean {
  return TechnicalWords.has(word.toLowerCase()) && !HealthWords.has(word.toLowerCase());
}

/** A lowercase word of the English list (after removals) or of the technical vocabulary. */
export function isLowercaseVocabularyWord(word: string): boolean {
  if (word !== word.toLowerCase()) return false;
  return TechnicalWords.has(word) || EnglishWords.has(word);
}
