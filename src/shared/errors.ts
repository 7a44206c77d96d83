/**
 * The one error type of dirbridge and the registry of its codes.
 *
 * Every code has a stable name, an HTTP status for when it crosses the API, a message a person
 * can act on and a hint that says how to fix it. `docs/errors.md` mirrors this registry; a test
 * keeps the two in step. Codes are never reused or renamed.
 *
 * `expose` decides whether the message leaves the process: anything not exposed is answered as
 * a generic INTERNAL_ERROR, so a private detail (a SQL statement, a file path) never reaches a client.
 */
import { boundErrorParams, type ErrorParams } from './error-params.js';

export interface ErrorDefinition {
  readonly status: number;
  readonly message: string;
  readonly hint: string;
  readonly expose: boolean;
}

function def(status: number, message: string, hint: string, expose = true): ErrorDefinition {
  return { status, message, hint, expose };
}

export const ERRORS = {
  // configuration and start-up
  CONFIG_INVALID: def(400, 'The configuration is invalid.', 'Fix the named key in the config file or environment variable and start again.'),
  DATA_DIR_UNWRITABLE: def(500, 'The data folder cannot be written.', 'Give the dirbridge process write access to the data folder, or choose another with --data-dir.'),
  STORE_UNAVAILABLE: def(503, 'The store (database) cannot be reached.', 'Check DATABASE_URL and that the database server is running and accepts connections.', false),
  STORE_MIGRATION_FAILED: def(500, 'A store migration failed.', 'Restore the database from backup or fix the reported problem, then start again.', false),
  TENANT_NOT_FOUND: def(404, 'No tenant exists in this store.', 'Start the tenant service once (dirbridge serve or start) to create it.'),
  SOURCE_MISSING: def(400, 'No directory source was given; the bundled sample directory is only used by dirbridge start on a new data folder.', 'Give the source (--source-url or --source-ldif, or agent.source in the config file); a data folder that synced a directory needs that directory again.'),
  SOURCE_CHANGED: def(409, 'The source given is not the one this data folder synchronizes; nothing was synced.', 'Give the original source again; to replace it on purpose, start once with --replace-source (the old source\'s objects then leave the tenant, held by the delete threshold).'),
  PORT_IN_USE: def(500, 'The port dirbridge should listen on is already in use.', 'Stop the program using the port, or choose another port with --port or DIRBRIDGE_PORT.'),
  FILE_UNREADABLE: def(400, 'A file named in the configuration does not exist or cannot be read.', 'Fix the path in the named setting or flag, or give the dirbridge user read access to the file.'),
  STORE_NOT_FOUND: def(404, 'There is no dirbridge store at the given place.', 'Check --data-dir (or DIRBRIDGE_DATA_DIR) or --database-url: point it at the folder or database the service uses. A store is created only by dirbridge start or serve.'),

  // request validation and generic
  REQUEST_INVALID: def(400, 'The request body or parameters are invalid.', 'Correct the named field and send the request again.'),
  REQUEST_TOO_LARGE: def(413, 'The request body is larger than the tenant service accepts.', 'The agent splits a batch refused as too large and sends the halves; if one object alone is too large, raise the body limit of the proxy in front of the tenant (for example nginx client_max_body_size).'),
  NOT_FOUND: def(404, 'Nothing exists at this address.', 'Check the URL; the API is described at /api/v1/openapi.json.'),
  INTERNAL_ERROR: def(500, 'Something went wrong inside dirbridge.', 'Try again; if it persists, look at the tenant service log for the request id.', true),

  // admin authentication and authorization
  AUTH_REQUIRED: def(401, 'You are not signed in.', 'Sign in to the admin center first.'),
  AUTH_INVALID_CREDENTIALS: def(401, 'The user name or password is wrong.', 'Check the user name and password and try again.'),
  AUTH_FORBIDDEN: def(403, 'Your role may only look, not change.', 'Ask a global admin to make this change, or to give you the global admin role.'),
  CSRF_INVALID: def(403, 'The request did not carry a valid CSRF token.', 'Reload the admin center and try again.'),
  ADMIN_EXISTS: def(409, 'An admin with this user name already exists.', 'Choose another user name.'),
  PASSWORD_CHANGE_REQUIRED: def(403, 'Your password must be changed before you can continue.', 'Choose a new password (Change password in the admin center, or POST /api/v1/auth/password); it was generated for you or reset by a global admin.'),
  LAST_GLOBAL_ADMIN: def(409, 'This is the last enabled global admin; disabling or removing it would leave nobody able to manage the tenant.', 'Create or enable another global admin first.'),
  ADMIN_PASSWORD_WRONG: def(403, 'The current password is wrong.', 'Type your current password again; a forgotten password is reset by a global admin (dirbridge admin reset-password).'),

  // agents
  AGENT_CREDENTIAL_INVALID: def(401, 'The agent credential is unknown or revoked.', 'Create a new registration token in the admin center and register the agent again (dirbridge agent --token ...).'),
  AGENT_REVOKED: def(401, 'This agent was revoked by an admin; the tenant refuses its credential.', 'If the host should sync again, create a registration token and register the agent anew (dirbridge agent --token ...); otherwise stop the agent.'),
  AGENT_CREDENTIAL_EXPIRED: def(401, 'The agent credential expired before the agent renewed it (the agent was stopped for longer than the credential lifetime).', 'Create a registration token in the admin center and register the agent again (dirbridge agent --token ...).'),
  CLEARTEXT_REFUSED: def(400, 'The agent refuses a connection in clear to a host other than this one: the tenant credential or the directory bind password and password hashes would travel unencrypted.', 'Use an https:// tenant URL and ldaps:// or ldap:// with StartTLS (--start-tls); only if the network is trusted, allow it with --allow-cleartext (agent.allowCleartext).'),
  REGISTRATION_TOKEN_INVALID: def(401, 'The registration token is unknown, expired or already used.', 'Create a new registration token in the admin center (Agents) or with the CLI and use it once.'),
  REGISTRATION_TOKEN_USED: def(409, 'This registration token was already used by another agent; a token registers one agent only.', 'Create a new registration token for this agent in the admin center (Agents) or with `dirbridge token create` and start the agent with it. If the other agent should not exist, revoke it in the admin center (Agents).'),
  TENANT_UNREACHABLE: def(503, 'The agent cannot reach the tenant service.', 'Check the tenant URL and that the tenant service is running and reachable from the agent host.'),
  AGENT_NOT_ACTIVE: def(409, 'Another agent holds the active lease for this tenant; this agent is standby and may not export.', 'Nothing to do if that is intended: the standby takes over when the active agent stops. Otherwise stop the other agent.'),
  BATCH_INVALID: def(400, 'A sync batch is malformed.', 'Upgrade the agent to a version that matches the tenant service.'),
  PASSWORD_SYNC_DISABLED: def(409, 'Password sync is switched off for this tenant; password hashes are not accepted.', 'Switch password sync on in DirSync management (global admin); the agent stops sending hashes once it sees the setting.'),
  NO_BLOCKED_DELETES: def(409, 'No sync cycle is waiting for permission to delete.', 'Nothing to allow: the last directory sync cycle was not stopped by the delete threshold.'),
  SYNC_NOW_UNAVAILABLE: def(409, 'A sync cannot be started now.', 'Switch directory sync on in DirSync management first, then choose Sync now again.'),
  USER_NOT_FOUND: def(404, 'No user with this id exists in the tenant.', 'The user may have been deleted or moved out of the sync scope; open Users › Active users and search for them.'),
  GROUP_NOT_FOUND: def(404, 'No group with this id exists in the tenant.', 'The group may have been deleted or moved out of the sync scope; open Groups and search for it.'),

  // directory sources
  DIR_UNREACHABLE: def(502, 'The source directory cannot be reached.', 'Check the source URL, that the directory server is running, and that no firewall blocks the port.'),
  DIR_BIND_FAILED: def(502, 'The source directory rejected the sync account credentials.', 'Check the bind DN and password of the sync account (--bind-dn, --bind-password-file).'),
  DIR_TLS_FAILED: def(502, 'The TLS connection to the source directory failed.', 'Give the CA that signed the directory server certificate with --ca-file, or check the server name.'),
  DIR_SEARCH_FAILED: def(502, 'A search in the source directory failed.', 'Check the base DN and filter, and that the sync account may read them.'),
  DIR_TIMEOUT: def(504, 'The source directory accepted the connection but stopped answering in time.', 'Check the directory server (overloaded, hung, or a proxy or firewall that holds the connection); raise agent.source.timeouts if its answers are merely slow.'),
  DIR_PROTOCOL_ERROR: def(502, 'The source directory sent a malformed or oversized LDAP message; the cycle was stopped.', 'Check that the source URL points at an LDAP server (not another service or a TLS port without ldaps://); raise agent.source.maxMessageBytes if one entry is legitimately larger.'),
  DIR_WATCH_FAILING: def(502, 'The change watch of the source directory keeps failing; changes are found by polling meanwhile, a few seconds later than pushed.', 'Check that the domain controller is reachable and stays up, and look at the agent log for the failure each time (DIR_UNREACHABLE, DIR_TIMEOUT); the watch retries by itself with growing delays.'),
  DRSR_UNREACHABLE: def(502, 'The domain controller cannot be reached for password hash replication (MS-DRSR).', 'Let the agent host reach the DC on TCP 135 (endpoint mapper) and on the dynamic RPC port range (49152-65535 by default, or the fixed port set on the DC); check that the DC is running.'),
  DRSR_AUTH_FAILED: def(502, 'The domain controller refused the sync account for password hash replication.', 'Check the sync account name, domain and password (agent.source.passwordSync); the account must not be locked or expired.'),
  DRSR_NTLM_DISABLED: def(502, 'The domain controller does not accept NTLM for replication; it requires Kerberos.', 'Allow NTLM for the sync account on the DC (Samba: ntlm auth = ntlmv2-only; Windows: the "Network security: Restrict NTLM" policies, with an exception for the agent host), or switch password hash sync off until Kerberos is supported.'),
  DRSR_RIGHTS_MISSING: def(502, 'The sync account lacks the replication rights needed for password hashes.', 'Grant the sync account "Replicating Directory Changes" and "Replicating Directory Changes All" on the domain (README, Active Directory: samba-tool dsacl set, or ADUC / PowerShell on Windows).'),
  DRSR_PROTOCOL_ERROR: def(502, 'Password hash replication from the domain controller failed.', 'Look at the agent log for the status code; check that the DC runs Windows Server 2008 or later, or Samba 4.'),
  LDIF_SYNTAX: def(400, 'A line of the LDIF file cannot be read.', 'Fix the LDIF at the named line; the other entries still sync.'),
  LDIF_FILE_UNREADABLE: def(400, 'The LDIF file cannot be read.', 'Check the path given as source and that dirbridge may read it.'),
  LDIF_FILE_INVALID: def(422, 'The LDIF file has syntax errors; it was not used and the tenant was left as it was.', 'Fix the LDIF at the named lines and save the file again; the next cycle reads it.'),
  LDIF_FILE_UNSTABLE: def(409, 'The LDIF file is still being written; it was not used yet.', 'Write the file to a temporary name and rename it into place, or wait: a file is read once its size and time stop changing.'),

  // per-object sync errors
  OBJECT_REQUIRED_ATTRIBUTE_MISSING: def(422, 'A required attribute is missing on the object.', 'Add the named attribute to the entry in the directory; the object is retried on the next cycle.'),
  STORE_DUPLICATE_UPN: def(409, 'The store refused a second user with a user principal name another user already has; nothing of this batch was written.', 'The agent sends the batch again and the user that holds the UPN keeps it; if this repeats, report it with the tenant service log (the request id names the batch).'),
  OBJECT_DUPLICATE_UPN: def(409, 'Another user already has this user principal name.', 'The user that had the value keeps it; this user was synchronized without it (with a stand-in UPN, or without that address). Give one of the two entries a different value in the directory; the next cycle applies it.'),
  OBJECT_DUPLICATE_MAIL: def(409, 'Another user already has this mail address.', 'The user that had the address keeps it; this user was synchronized without it. Give one of the two entries a different mail address in the directory; the next cycle applies it.'),
  OBJECT_VALUE_INVALID: def(422, 'An attribute has a value that cannot be synchronized.', 'Correct the named attribute in the directory (too long, or of the wrong syntax).'),
  OBJECT_OUT_OF_SCOPE: def(422, 'The object is outside the sync scope.', 'Change the scope (base DNs, filter, group) if it should be synchronized.'),
  DELETE_THRESHOLD_EXCEEDED: def(409, 'The cycle would delete more objects than the threshold allows; no deletes were exported.', 'Check why so many objects left the scope; if intended, allow the deletes once in DirSync management or with dirbridge sync --allow-deletes.'),
  SOURCE_READ_EMPTY: def(409, 'The source returned no objects, so the cycle would delete everything synced; no deletes were exported.', 'Check the source (an emptied or replaced LDIF file, a base DN or filter that now matches nothing, a sync account that lost read access); if the directory was emptied on purpose, allow the deletes once in DirSync management or with dirbridge sync --allow-deletes.'),

  // passwords
  PASSWORD_SCHEME_UNSUPPORTED: def(422, 'The user password is stored with a scheme dirbridge cannot synchronize.', 'Have the user change the password so the directory stores it with a supported scheme (for example {SSHA512} or {PBKDF2-SHA256}).'),
  PASSWORD_HASH_MALFORMED: def(422, 'The stored password hash is malformed.', 'Have the user change the password in the directory.'),
  PASSWORD_CLEARTEXT: def(200, 'The directory stores this password in cleartext.', 'Configure the directory to hash passwords (for example password-hash {SSHA512} in slapd) and have the user change it.'),
  PASSWORD_USER_UNKNOWN: def(404, 'A password arrived for a user the tenant does not know.', 'Nothing to do if the user was just deleted; otherwise run a directory sync so the user exists, and the password follows on the next password sync.'),
  PASSWORD_NOT_SET: def(422, 'The user has no password in the directory.', 'Set a password for the user in the directory if they should sign in.'),
  PASSWORD_NOT_READABLE: def(422, 'No password value of this user could be read: in the whole read no user showed one, so the sync account most likely lacks read access to userPassword.', 'Give the sync account read access to userPassword (and sambaNTPassword) in the directory ACLs, e.g. in slapd: access to attrs=userPassword by dn.exact="<sync account DN>" read; the next password cycle picks the hashes up.'),
  PASSWORD_SOURCE_NO_HASH_SYNC: def(422, 'Password hash sync from this kind of directory (Active Directory, Samba AD) is not available yet; the user has no password in the tenant.', 'Users of this directory cannot sign in with their on-premises password for now; give them another way to sign in, or synchronize from an LDAP directory that stores userPassword.'),
  SIGN_IN_FAILED: def(401, 'The user name or password is wrong.', 'Check the user name and password; after several failures sign-in is locked for a while.'),
  SIGN_IN_LOCKED: def(429, 'Too many failed sign-ins; sign-in is locked for a while.', 'Wait until the time in Retry-After has passed, then try again with the right password.'),
  PASSWORD_HASH_TOO_COSTLY: def(422, 'The stored password hash asks for more work per check than dirbridge allows at sign-in.', 'Have the user change the password so the directory stores it with the default cost of its scheme (docs/passwords.md lists the bounds), or lower the cost setting of the directory.'),
  PASSWORD_VERIFIER_REJECTED: def(422, 'A password verifier was derived with parameters this tenant does not accept.', 'Let the agent fetch the tenant settings again (it does so every cycle) and re-derive; a verifier must use the tenant\'s KDF parameter set and a source scheme within the cost bounds.'),
  SIGN_IN_BUSY: def(503, 'Too many sign-ins are being checked right now.', 'Try again after the seconds in Retry-After; if this is frequent, raise signIn.workers or signIn.queueLimit, or add tenant replicas.'),

  // alerts
  ALERT_CHANNEL_INVALID: def(400, 'The alert channel is invalid.', 'Give an e-mail address, or a webhook URL starting with https:// (http:// only to a loopback address).'),
  ALERT_SMTP_NOT_CONFIGURED: def(409, 'E-mail alerts need an SMTP server, and none is configured.', 'Set alerts.smtp (host, port, from) in the config file and restart the tenant service, or use a webhook channel.'),
  ALERT_DELIVERY_FAILED: def(502, 'An alert could not be delivered.', 'Check the SMTP server or the webhook receiver named in the error; dirbridge retries with growing delays and lists the attempts under Alerts.'),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * The facts each code's `params` may name, and so the only placeholders its templates
 * (`errors.<CODE>.detail`, `detail_<form>` in the admin center's en/nl) may use: producers are
 * held to these names by the compiler (`AppErrorOptions.params`), templates by the i18n test.
 * `form` picks the template when one code has messages of several shapes.
 */
export const ERROR_PARAM_NAMES = {
  REQUEST_INVALID: ['form', 'fields', 'min'],
  NOT_FOUND: ['form', 'id'],
  ADMIN_EXISTS: ['username'],
  DIR_UNREACHABLE: ['form', 'url', 'base', 'reason'],
  DIR_BIND_FAILED: ['form', 'url', 'reason', 'resultCode'],
  DIR_TLS_FAILED: ['form', 'url', 'reason', 'file', 'resultCode'],
  DIR_SEARCH_FAILED: ['form', 'url', 'base', 'group', 'reason', 'resultCode'],
  DIR_TIMEOUT: ['form', 'url', 'base', 'reason'],
  DIR_PROTOCOL_ERROR: ['form', 'url', 'base', 'dn', 'attribute', 'reason'],
  DRSR_UNREACHABLE: ['form', 'endpoint', 'reason'],
  DRSR_AUTH_FAILED: ['endpoint', 'status'],
  DRSR_NTLM_DISABLED: ['form', 'endpoint', 'status', 'reason'],
  DRSR_RIGHTS_MISSING: ['call', 'status'],
  DRSR_PROTOCOL_ERROR: ['form', 'endpoint', 'call', 'status', 'reason'],
  LDIF_SYNTAX: ['file', 'line', 'dn'],
  LDIF_FILE_UNREADABLE: ['form', 'file', 'reason'],
  LDIF_FILE_INVALID: ['file', 'count', 'lines'],
  LDIF_FILE_UNSTABLE: ['file', 'seconds'],
  OBJECT_REQUIRED_ATTRIBUTE_MISSING: ['form', 'attribute', 'dn', 'sources'],
  OBJECT_DUPLICATE_UPN: ['upn', 'dn', 'holder', 'standIn'],
  OBJECT_DUPLICATE_MAIL: ['mails', 'dn', 'holders'],
  OBJECT_VALUE_INVALID: ['form', 'attribute', 'dn', 'length', 'max', 'value'],
  DELETE_THRESHOLD_EXCEEDED: ['form', 'deletes', 'synced', 'threshold', 'share', 'percent'],
  SOURCE_READ_EMPTY: ['read', 'deletes'],
  PASSWORD_SCHEME_UNSUPPORTED: ['scheme'],
  PASSWORD_HASH_MALFORMED: ['scheme'],
  PASSWORD_HASH_TOO_COSTLY: ['scheme', 'parameter', 'value', 'bound'],
  ALERT_CHANNEL_INVALID: ['form', 'value', 'url'],
  ALERT_DELIVERY_FAILED: ['form', 'server', 'to', 'url', 'status', 'reason', 'seconds'],
} as const satisfies Partial<Record<ErrorCode, readonly string[]>>;

type ParamNameOf<C extends ErrorCode> = C extends keyof typeof ERROR_PARAM_NAMES ? (typeof ERROR_PARAM_NAMES)[C][number] : never;
/** The params a producer of `C` may send: only the names `ERROR_PARAM_NAMES` lists for it. */
export type ParamsOf<C extends ErrorCode> = [ParamNameOf<C>] extends [never] ? Record<string, never> : Partial<Record<ParamNameOf<C>, string | number>>;

export interface AppErrorOptions<C extends ErrorCode = ErrorCode> {
  /** Overrides the registry message with a more specific one (still public). */
  message?: string;
  /** Overrides the registry hint. */
  hint?: string;
  /** Structured, public details: the field, line or attribute that is wrong. */
  details?: Record<string, unknown>;
  /** The facts the message names, for the code's template in the admin's language (`error-params.ts`). */
  params?: ParamsOf<C>;
  /** Private cause: logged, never sent. */
  cause?: unknown;
}

export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string;
  readonly expose: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly params: ErrorParams | undefined;

  constructor(code: C, options: AppErrorOptions<C> = {}) {
    const definition = ERRORS[code];
    super(options.message ?? definition.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = definition.status;
    this.hint = options.hint ?? definition.hint;
    this.expose = definition.expose;
    this.details = options.details;
    this.params = options.params === undefined ? undefined : boundErrorParams(options.params as ErrorParams);
  }

  /** The shape that leaves the process (API body, CLI --json). */
  toJSON(): PublicError {
    if (!this.expose) return internalError();
    return { code: this.code, message: this.message, hint: this.hint, ...(this.details ? { details: this.details } : {}), ...(this.params ? { params: this.params } : {}) };
  }
}

export interface PublicError {
  code: string;
  message: string;
  hint: string;
  details?: Record<string, unknown>;
  /** The facts of the message by name; the admin center fills the code's template with them. */
  params?: ErrorParams;
}

function internalError(): PublicError {
  return { code: 'INTERNAL_ERROR', message: ERRORS.INTERNAL_ERROR.message, hint: ERRORS.INTERNAL_ERROR.hint };
}

/**
 * An AppError without a stack trace, for refusals a flood makes one per request (SIGN_IN_BUSY,
 * SIGN_IN_LOCKED): nobody reads their stacks, and capturing one is most of their cost.
 */
export function refusalError<C extends ErrorCode>(code: C, options: AppErrorOptions<C> = {}): AppError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AppError(code, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Converts anything thrown into the public shape, hiding what is not meant to be seen. */
export function toPublicError(error: unknown): PublicError {
  return error instanceof AppError ? error.toJSON() : internalError();
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
