// The storage interfaces of Powerdeck: users, sessions, display links, personal access tokens,
// sign-in throttling, the audit log, operations, schedules and power plans. The SQLite implementations live in ./sqlite; nothing else
// runs SQL. Every method returns a promise so that the same interfaces can sit on PostgreSQL.
// Times in records are ISO 8601 strings (UTC, milliseconds).
// Over 400 lines on purpose: every store's interface and record type in one module, the contract that
// each backend keeps.

import type {
  AlertEvent,
  AlertSeverity,
  DeliveryEvent,
  DeliveryStatus,
  TargetKind,
} from '@powerdeck/contracts/alert-terms';
import type { AuditAuthKind, AuditKind, AuditOutcome } from '@powerdeck/contracts/audit-terms';
import type {
  OperationAction,
  OperationStatus,
  OperationStep,
  OperationVmState,
} from '@powerdeck/contracts/operation-terms';
import type {
  HelpdeskRun,
  OnFailure,
  PlanDirection,
  TierState,
  UpWhen,
} from '@powerdeck/contracts/plan-terms';
import type { Tier } from '@powerdeck/contracts/plans';
import type { AuthKind, Role } from '@powerdeck/contracts/roles';
import type { RunOutcome, ScheduleAction } from '@powerdeck/contracts/schedule-terms';
import type { Targets, When } from '@powerdeck/contracts/schedules';
import type { AuditKeyState } from './audit-key';

// The vocabulary is the contract's (shared with the web app); re-exported for the stores' users.
export { AUDIT_AUTH_KINDS, AUDIT_KINDS, AUDIT_OUTCOMES } from '@powerdeck/contracts/audit-terms';
export type { AuditAuthKind, AuditKind, AuditOutcome } from '@powerdeck/contracts/audit-terms';
export { ROLES } from '@powerdeck/contracts/roles';
export type { AuthKind, Role } from '@powerdeck/contracts/roles';

/** Milliseconds since the Unix epoch; stores take one so tests can move time. */
export type Clock = () => number;

// ---------------------------------------------------------------------------------------------
// Users

export interface User {
  id: number;
  /** Lower case, 1 to 64 of [a-z0-9._@-]; unique regardless of case. */
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** 'sso': made at the person's first single sign-on: no password, role from the provider at each sign-in. */
  source: 'local' | 'sso';
  /** The provider's subject of an SSO user (`<issuer> <sub>`); null for local users. */
  ssoSubject: string | null;
  lastSignInAt: string | null;
}

/** A single sign-on the provider vouched for: who (its subject), the name to use, the role its groups map to. */
export interface SsoSignIn {
  /** `<issuer> <sub>`: unique per person at a provider. */
  subject: string;
  username: string;
  role: Role;
}

export interface NewUser {
  username: string;
  role: Role;
  /** At least 12 characters; hashed with argon2id, never stored. */
  password: string;
}

/**
 * `keepAnAdmin: true`: refuse (StoreError 'conflict') a change that would leave no enabled admin;
 * the check and the change are one transaction, so two admins demoting each other at once cannot
 * both succeed. The HTTP routes ask for it; the local CLI (the way back in) does not.
 */
export interface KeepAnAdmin {
  keepAnAdmin?: boolean;
}

export type PasswordCheck =
  { ok: true; user: User } | { ok: false; reason: 'unknown_user' | 'bad_password' | 'disabled' | 'sso_user' };

export interface UserStore {
  /** Throws StoreError 'invalid' (name, role, password) or 'exists'. */
  create(input: NewUser): Promise<User>;
  /** By name, case-insensitively; null when there is none. */
  get(username: string): Promise<User | null>;
  getById(id: number): Promise<User | null>;
  /** Every user, by name. */
  list(): Promise<User[]>;
  /** Throws StoreError 'invalid' or 'not_found'. */
  setPassword(username: string, password: string): Promise<User>;
  /** Throws StoreError 'invalid' or 'not_found' (and 'conflict': see KeepAnAdmin). */
  setRole(username: string, role: Role, options?: KeepAnAdmin): Promise<User>;
  /**
   * Throws StoreError 'not_found' (and 'conflict': see KeepAnAdmin). A disabled user's sessions and
   * tokens stop working at once (stores/admin.ts's disableUser also revokes them, so enabling does not revive them).
   */
  setDisabled(username: string, disabled: boolean, options?: KeepAnAdmin): Promise<User>;
  /**
   * Checks a password in constant time (argon2.verify). An unknown user costs the same as a known
   * one (a verify against a dummy hash), so timing does not tell which names exist. A disabled user
   * is refused after the check, with reason 'disabled'.
   */
  verifyPassword(username: string, password: string): Promise<PasswordCheck>;
  /**
   * The user of a single sign-on, made at the first one (source 'sso', no password); at each later one their role
   * becomes `role` and their last sign-in now. A disabled user is answered unchanged (the caller refuses). Throws
   * StoreError 'exists' when a local user has that name, 'invalid' for a name that cannot be a user name.
   */
  signInSso(input: SsoSignIn): Promise<User>;
  /** Records a successful password sign-in (the user's last sign-in). */
  recordSignIn(userId: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Who is asking: what a session or token lookup yields

export interface Principal {
  authKind: AuthKind;
  /** The role to enforce: a display's is viewer; a token's is its own, capped by its owner's current role. */
  role: Role;
  /** The signed-in user (null for a display). */
  user: { id: number; username: string } | null;
  /** The display link (only for a display). */
  display: { id: number; name: string } | null;
  /** The row id of the session or token (not secret; for revoking and for logs). */
  credentialId: number;
  /** Who to name in the audit log: the username, or `display:<name>`. */
  actor: string;
  /** How a person's session began; null for displays and tokens. */
  signInMethod?: 'password' | 'sso' | null;
}

// ---------------------------------------------------------------------------------------------
// Sessions

type SessionKind = 'session' | 'display';

export type NewSessionInput =
  | {
      kind: 'session';
      userId: number;
      /** Defaults to the store's idle timeout (30 minutes). */
      idleTimeoutMs?: number;
      /** Default 'password'. */
      signInMethod?: 'password' | 'sso';
      /** The provider's ID token of a single sign-on (the hint at its logout). */
      idToken?: string;
    }
  | { kind: 'display'; displayLinkId: number };

export interface SessionInfo {
  /** The row id (not the secret). */
  id: number;
  kind: SessionKind;
  userId: number | null;
  displayLinkId: number | null;
  createdAt: string;
  lastSeenAt: string;
  /** null: never idles out (displays). */
  idleTimeoutMs: number | null;
  signInMethod: 'password' | 'sso' | null;
  /** The absolute end of a person's session; null: none (displays). */
  expiresAt: string | null;
}

export interface SessionStore {
  /**
   * A new session with a fresh random 256-bit id (call it at every sign-in; never reuse an id).
   * `secret` goes into the cookie and is not stored: only its SHA-256 hash is. Throws StoreError
   * 'not_found' for an unknown or disabled user or an unknown or revoked display link.
   */
  create(input: NewSessionInput): Promise<{ secret: string; session: SessionInfo }>;
  /**
   * The principal of a presented session id, touching its last-seen time (unless `touch: false`: a
   * request the person did not make, such as a background poll, does not keep a session alive); null when unknown,
   * revoked, idle for longer than its timeout, of a disabled user, or of a revoked display link.
   */
  lookup(secret: string, options?: { touch?: boolean }): Promise<Principal | null>;
  /** Ends one session (sign-out); false when there was no such live session. */
  revoke(secret: string): Promise<boolean>;
  /** Ends every session of a user (password change, disable, role change); returns how many. */
  revokeAllForUser(userId: number): Promise<number>;
  /** Ends every password session of everyone but these users (password sign-in turned off); returns how many. */
  revokePasswordSessionsExcept(userIds: readonly number[]): Promise<number>;
  /** The ID token a live single sign-on session was made with (for the provider's logout); null otherwise. */
  idTokenOf(secret: string): Promise<string | null>;
  /** Deletes sessions that can never be used again (revoked or idled out); returns how many. */
  prune(): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Display links

export interface DisplayLink {
  id: number;
  name: string;
  createdBy: { id: number; username: string };
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface DisplayLinkStore {
  /**
   * A new read-only (viewer) credential for a wall display, created by an admin. `secret` is shown
   * once and not stored (only its hash is). Throws StoreError 'invalid' (name) or 'forbidden'
   * (the creator is not an enabled admin).
   */
  create(input: { name: string; createdBy: number }): Promise<{ secret: string; link: DisplayLink }>;
  /** Every link, newest first, revoked ones included. */
  list(): Promise<DisplayLink[]>;
  get(id: number): Promise<DisplayLink | null>;
  /** The live link a secret belongs to (touching its last use); null when unknown or revoked. */
  verify(secret: string): Promise<DisplayLink | null>;
  /** Revokes a link: its display sessions stop working at once. False when already revoked or unknown. */
  revoke(id: number): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Personal access tokens

export interface AccessToken {
  id: number;
  user: { id: number; username: string };
  name: string;
  role: Role;
  /** The first characters of the token, e.g. `pd_AbCd1234`, to tell tokens apart. */
  prefix: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewAccessToken {
  userId: number;
  name: string;
  /** No higher than the owner's role. */
  role: Role;
  /** Required; in the future and at most the store's maximum lifetime (one year) away. */
  expiresAt: Date;
}

export interface TokenStore {
  /**
   * A new token `pd_<43 base64url chars>` (256 random bits), shown once; only its SHA-256 hash is
   * stored. Throws StoreError 'invalid' (name, expiry) , 'forbidden' (role above the owner's) or
   * 'not_found' (owner unknown or disabled).
   */
  create(input: NewAccessToken): Promise<{ token: string; info: AccessToken }>;
  /** The principal of a presented token (touching its last use); null when unknown, expired, revoked or of a disabled owner. */
  lookup(token: string): Promise<Principal | null>;
  get(id: number): Promise<AccessToken | null>;
  /**
   * The token with this value, whatever its state, without touching its last use (to revoke a token by its value,
   * as VergeOS's `DELETE /api/sys/tokens/<token>` does); null when there is none.
   */
  find(token: string): Promise<AccessToken | null>;
  /** Newest first; a user's own tokens (`{ userId }`) or everyone's (`{}`, for admins). */
  list(filter: { userId?: number }): Promise<AccessToken[]>;
  /** Revokes a token; with `userId`, only if that user owns it. False when there was no such live token. */
  revoke(id: number, opts?: { userId?: number }): Promise<boolean>;
  /**
   * Revokes every live token (not revoked, not expired) of a user at once, for good (disabling them, a password
   * change); answers those tokens, now revoked, newest first.
   */
  revokeAllOfUser(userId: number): Promise<AccessToken[]>;
  /** How many live tokens (not revoked, not expired) each user has; users with none are left out. */
  activeCountByUser(): Promise<Map<number, number>>;
  /**
   * Deletes the tokens that expired at least `keptAfterExpiryMs` ago by the store's clock (revoked or not: every token
   * expires, so none stays for ever); returns how many.
   */
  prune(keptAfterExpiryMs: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Sign-in throttling

export type ThrottleDecision =
  { allowed: true } | { allowed: false; scope: 'user' | 'source'; retryAfterMs: number };

/**
 * A reserved attempt: allowed, with how many attempts the user name or the address (the larger) has in the window
 * counting this one; or refused because one of them is locked.
 */
export type ReserveDecision =
  { allowed: true; failures: number } | { allowed: false; scope: 'user' | 'source'; retryAfterMs: number };

export interface ThrottleLimits {
  /** Failures of one user name within the window before it is locked (default 5). */
  userMaxFailures: number;
  /** Failures from one source address within the window before it is locked (default 20). */
  sourceMaxFailures: number;
  /** The counting window (default 15 minutes). */
  windowMs: number;
  /** How long a lock lasts from the failure that set it (default 15 minutes). */
  lockoutMs: number;
}

export interface SignInThrottle {
  /**
   * Counts a sign-in attempt for the user name and the address before its password is checked, in one atomic
   * step: refused (nothing counted) while either is locked; the attempt that reaches a limit sets the lock. So
   * guesses that arrive together cannot all pass a check made before any of them failed. A failed attempt needs
   * nothing more (it is already counted); a successful one calls `release`.
   */
  reserve(username: string, source: string): Promise<ReserveDecision>;
  /** A successful sign-in: resets the user name's counter and takes the attempt back from the address's. */
  release(username: string, source: string): Promise<void>;
  /** May this user name try to sign in from this address now? (Read only: counts nothing.) */
  check(username: string, source: string): Promise<ThrottleDecision>;
  /** Forgets counters whose window and lock have passed; returns how many. */
  prune(): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Audit log

/** JSON values (action params). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface AuditInput {
  kind: AuditKind;
  outcome: AuditOutcome;
  /** Username, `display:<name>`, `cli`, or the name tried in a failed sign-in. */
  actor: string | null;
  role?: Role | null;
  authKind?: AuditAuthKind | null;
  /** Client address. */
  source?: string | null;
  userAgent?: string | null;
  vmKey?: number | null;
  vmName?: string | null;
  /** e.g. `poweron`, `kill`; for user/token/display changes `create`, `passwd`, `disable`, `revoke`... */
  action?: string | null;
  params?: Json;
  reason?: string | null;
  /** What a user/token/display change was about: `user:alice`, `token:12`, `display:3`. */
  target?: string | null;
  requestId?: string | null;
  operationId?: string | null;
  /** A schedule's run (its operation's rows) or a change to a schedule: its id and its name at the time. */
  scheduleId?: string | null;
  scheduleName?: string | null;
  /** For an outcome, the id of its `requested` row. */
  refId?: number | null;
  /** VergeOS's answer status (null when Powerdeck answered itself). */
  vergeosStatus?: number | null;
  /** VergeOS's message, or Powerdeck's words when it refused (403, a missing reason). */
  vergeosMessage?: string | null;
  latencyMs?: number | null;
}

export interface AuditRecord {
  id: number;
  /** ISO 8601 (UTC, ms). */
  at: string;
  kind: AuditKind;
  outcome: AuditOutcome;
  actor: string | null;
  role: Role | null;
  authKind: AuditAuthKind | null;
  source: string | null;
  userAgent: string | null;
  vmKey: number | null;
  vmName: string | null;
  action: string | null;
  /** The params as canonical JSON text (keys sorted), or null. */
  params: string | null;
  reason: string | null;
  target: string | null;
  requestId: string | null;
  operationId: string | null;
  scheduleId: string | null;
  scheduleName: string | null;
  refId: number | null;
  vergeosStatus: number | null;
  vergeosMessage: string | null;
  latencyMs: number | null;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  vmKey?: number;
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  kind?: AuditKind;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface AuditQuery extends AuditFilter {
  /** 'desc' (newest first, the default) or 'asc'. */
  order?: 'asc' | 'desc';
  /** Continue after this row id (the previous page's `next`). */
  cursor?: number;
  /** 1 to 1000, default 100. */
  limit?: number;
}

export interface AuditPage {
  rows: AuditRecord[];
  /** The cursor of the next page, or null when this is the last one. */
  next: number | null;
}

/** Where the chain ends: what an anchor records (see audit-anchor.ts). */
export interface AuditHead {
  /** Rows in the log. Ids run from 1 without gaps, so this is also the last row's id (0: empty). */
  rows: number;
  /** The last row's hash (the genesis hash, 64 zeros, when empty). */
  hash: string;
  /** The rows at the start hashed with plain SHA-256 (powerdeck-audit-v1), before the chain was keyed. */
  legacyRows: number;
}

/** One line of the anchor file: the head at a time, signed with the key. */
export interface AuditAnchor extends AuditHead {
  /** ISO 8601. */
  at: string;
  /** Why it was written: at start, after a number of rows, after an interval, at shutdown. */
  reason: 'start' | 'rows' | 'interval' | 'shutdown';
  /** The fingerprint of the key it was signed with. */
  key: string;
  /** HMAC-SHA256 under that key of the fields above. */
  mac: string;
}

/** What `verify` checked the rows against, reported whether the chain holds or not. */
export interface AuditVerifyBasis {
  /** Rows checked (up to and including the first broken one). */
  rows: number;
  /** Of those, rows with plain SHA-256 hashes (powerdeck-audit-v1, written before the chain was keyed). */
  legacyRows: number;
  /** Of those, rows with HMAC-SHA256 hashes (powerdeck-audit-v2). */
  keyedRows: number;
  /** The hash of the last row checked (null: none). */
  lastHash: string | null;
  /** The key file, and the key's fingerprint (null: no usable key there). */
  key: { file: string; fingerprint: string | null };
  /** The anchor file (null: none configured), whether it exists, its valid anchors and the latest. */
  anchors: { file: string | null; exists: boolean; count: number; latest: AuditAnchor | null };
}

export type AuditVerifyResult = AuditVerifyBasis &
  (
    | { ok: true }
    /** brokenId: the first row that does not hold (or is missing); null when the anchors themselves do not. */
    | { ok: false; brokenId: number | null; reason: string }
  );

export interface AuditStore {
  /**
   * Appends a row, chained to the last one. When the promise resolves the row is committed and
   * synced to disk: write the `requested` row, await it, and only then forward the action.
   */
  append(input: AuditInput): Promise<AuditRecord>;
  get(id: number): Promise<AuditRecord | null>;
  query(q: AuditQuery): Promise<AuditPage>;
  /**
   * A VM's power attempts, newest first: its `power` rows that are not outcomes (`requested`, and
   * `denied` before anything was forwarded). At most `limit` (1 to 1000).
   */
  powerAttempts(vmKey: number, limit: number): Promise<AuditRecord[]>;
  /** The outcome rows of these rows (those whose refId is one of `refIds`), oldest first. */
  outcomesOf(refIds: readonly number[]): Promise<AuditRecord[]>;
  /**
   * The newest `accepted` outcome of a stop sent to this VM at or after `from`: a `power` row whose action is
   * `poweroff`, `kill`, or `reset` that is not graceful (a graceful reset is a reboot). Null when there is none.
   */
  lastAcceptedStop(vmKey: number, from: Date): Promise<AuditRecord | null>;
  /** The head of the chain, read in one snapshot (what an anchor records). */
  head(): Promise<AuditHead>;
  /**
   * Walks the whole chain with the store's key and checks it against its anchor file (see audit-chain.ts):
   * names the first row whose hash or link does not hold, a cut tail, or a rewrite the anchors show.
   */
  verify(): Promise<AuditVerifyResult>;
}

/**
 * An audit store as a backend opens it (SqliteAuditStore, PgAuditStore): with the key it found and where its anchors
 * go. The server and the CLIs need these besides the AuditStore methods (to refuse to start without a usable key, to
 * anchor the chain).
 */
export interface KeyedAuditStore extends AuditStore {
  /** The key for appends as found when the store opened (null key: appends are refused, and why). */
  readonly key: AuditKeyState;
  /** The append-only anchor file (null: none configured). */
  readonly anchorFile: string | null;
}

// ---------------------------------------------------------------------------------------------
// Operations (long power actions the BFF runs; see src/operations/engine.ts)

/**
 * Where a VM's current step is: `sending` is written (and on disk) before the request goes to VergeOS; `sent` once
 * VergeOS answered, or did not in time. After a crash a `sending` step may or may not have reached VergeOS: the
 * engine watches the VM and never sends that step again.
 */
export type StepPhase = 'sending' | 'sent';

export interface OperationVmRecord {
  key: number;
  name: string;
  state: OperationVmState;
  /** The step sent last (or being sent), or null before the first. */
  step: OperationStep | null;
  /** Null exactly when `step` is null. */
  stepPhase: StepPhase | null;
  stepAt: string | null;
  deadline: string | null;
  escalated: boolean;
  /** Seconds (at time scale 1) from the shut down to its escalation, once escalated. */
  forcedAfterS: number | null;
  detail: string;
  status: string | null;
  /** The VM's `started` (epoch seconds) before the operation acted: a reboot is over once it changes. */
  startedBefore: number | null;
  /** The VM left the status its step started from (a reboot went through stopping or starting). */
  moved: boolean;
  /** The audit log's `requested` row of the current step. */
  auditId: number | null;
  /** A plan run: the VM's tier (its index in the plan); null otherwise. */
  tier: number | null;
}

/** A plan tier's settings as a run takes them (the plan's Tier without its targets, resolved at the start). */
export interface PlanRunTierSettings {
  name: string;
  upWhen: UpWhen;
  timeoutS: number;
  delayAfterS: number;
  onFailure: OnFailure;
  escalate: boolean;
}

/** A tier of a plan run: its settings and where it is (see TIER_STATES). */
export interface PlanRunTier extends PlanRunTierSettings {
  state: TierState;
  detail: string;
  startedAt: string | null;
  endedAt: string | null;
  nextAt: string | null;
}

/** What a plan run is about, stored with its operation. */
export interface PlanRunRecord {
  id: string;
  name: string;
  direction: PlanDirection;
  /** In plan order. */
  tiers: PlanRunTier[];
}

export interface OperationRecord {
  id: string;
  action: OperationAction;
  status: OperationStatus;
  /**
   * Who started it (the audit log's actor), their role and how they signed in: each step is audited so. A
   * schedule's run is started in its owner's name, as `schedule`.
   */
  owner: string;
  ownerRole: Role;
  ownerAuthKind: OperationOwnerKind;
  source: string | null;
  userAgent: string | null;
  requestId: string | null;
  createdAt: string;
  /** Null exactly while running. */
  finishedAt: string | null;
  cancelledBy: string | null;
  forceAfterS: number | null;
  timeoutS: number;
  parallelism: number;
  reason: string | null;
  /** The schedule whose run this is (absent for an operation someone started). */
  schedule?: { id: string; name: string };
  /** A plan run: the plan and its tiers (absent for other operations). */
  plan?: PlanRunRecord;
  /** In the order they were asked for (a plan run: in the order its tiers run). */
  vms: OperationVmRecord[];
}

/** How an operation's owner asked for it: a principal's sign-in, or a schedule's run in its owner's name. */
export type OperationOwnerKind = AuthKind | 'schedule';

export type OperationVmPatch = Partial<Omit<OperationVmRecord, 'key' | 'name'>>;

/** Changes to one operation, applied in one transaction. */
export interface OperationChange {
  /** `plan`: the plan run's whole record, rewritten. */
  operation?: Partial<Pick<OperationRecord, 'status' | 'finishedAt' | 'cancelledBy' | 'plan'>>;
  vms?: readonly { key: number; patch: OperationVmPatch }[];
}

export interface OperationStore {
  /** Stores a new operation with its VMs. Throws StoreError 'exists' (id taken) or 'invalid'. */
  create(operation: OperationRecord): Promise<void>;
  get(id: string): Promise<OperationRecord | null>;
  /** Every operation still running, oldest first (what the engine resumes at start). */
  listRunning(): Promise<OperationRecord[]>;
  /** The most recently finished or cancelled operations, newest first; `limit` 1 to 200. */
  listRecent(limit: number): Promise<OperationRecord[]>;
  /** A plan's runs, newest first; `limit` 1 to 200. */
  listByPlan(planId: string, limit: number): Promise<OperationRecord[]>;
  /**
   * Applies a change in one transaction: committed (and, with synchronous=FULL, on disk) when the promise resolves.
   * Throws StoreError 'not_found' for an unknown operation or VM.
   */
  update(id: string, change: OperationChange): Promise<void>;
  /** Deletes operations that finished (or were cancelled) before a time, with their VMs; returns how many. */
  prune(finishedBefore: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Schedules (scheduled power operations; see src/schedules/scheduler.ts)

/** What people set of a schedule (the contract's ScheduleBody, defaults applied). */
export interface ScheduleFields {
  name: string;
  enabled: boolean;
  action: ScheduleAction;
  /** Shut down only: force off after this many seconds (null: never). */
  forceAfterS: number | null;
  targets: Targets;
  when: When;
  /** IANA name. */
  timeZone: string;
  graceMinutes: number;
  /** `YYYY-MM-DD` in the zone. */
  exclusions: string[];
}

export interface SchedulePause {
  by: string;
  reason: string;
  at: string;
}

export interface ScheduleRecord extends ScheduleFields {
  id: string;
  /** Who created it: its runs act in this user's name, with this user's permissions at run time. */
  owner: string;
  createdAt: string;
  /** Moves at every edit, pause and resume: runs before it are never caught up. */
  updatedAt: string;
  paused: SchedulePause | null;
  /** The newest run time already decided (started, skipped, excluded, missed, empty or failed). */
  lastHandledFor: string | null;
  /** Upcoming runs someone skipped, oldest first. */
  skips: ScheduleSkipRecord[];
}

export interface ScheduleSkipRecord {
  /** The run skipped (ISO). */
  at: string;
  by: string;
  reason: string;
  recordedAt: string;
}

/** A schedule's changeable parts: its fields, its pause (null: resumed), and whether its skips are dropped. */
export type SchedulePatch = Partial<ScheduleFields> & {
  paused?: SchedulePause | null;
  clearSkips?: boolean;
};

export interface ScheduleRunRecord {
  id: string;
  scheduleId: string;
  scheduleName: string;
  scheduledFor: string;
  outcome: RunOutcome;
  detail: string;
  operationId: string | null;
  recordedAt: string;
}

export type NewScheduleRun = Omit<ScheduleRunRecord, 'id' | 'recordedAt'>;

export interface ScheduleStore {
  /** Stores a new schedule (id, owner and times given). Throws StoreError 'exists'. */
  create(schedule: Omit<ScheduleRecord, 'skips' | 'lastHandledFor' | 'paused'>): Promise<ScheduleRecord>;
  get(id: string): Promise<ScheduleRecord | null>;
  /** Every schedule, by name. */
  list(): Promise<ScheduleRecord[]>;
  count(): Promise<number>;
  /** Applies a change and sets updatedAt. Throws StoreError 'not_found'. */
  update(id: string, patch: SchedulePatch, updatedAt: string): Promise<ScheduleRecord>;
  /** Deletes a schedule and its skips (its runs stay, as history); false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Records a skip of one run. Throws StoreError 'not_found' (schedule) or 'exists' (already skipped). */
  addSkip(id: string, skip: ScheduleSkipRecord): Promise<ScheduleRecord>;
  /** Takes a skip back; false when that run was not skipped. */
  removeSkip(id: string, at: string): Promise<boolean>;
  /**
   * Records how a run went, once: in one transaction, inserts the run (null, nothing changed, when this schedule's
   * run for that moment was recorded already: the database's unique key), moves the schedule's lastHandledFor to
   * it (never back) and drops a skip of that moment.
   */
  recordRun(run: NewScheduleRun): Promise<ScheduleRunRecord | null>;
  /** A `started` run's operation, once created, and its detail. Throws StoreError 'not_found'. */
  setRunOperation(runId: string, operationId: string, detail: string): Promise<void>;
  /**
   * A `started` run whose operation could not be created (none set): `failed`, with why. Throws StoreError
   * 'not_found' (no such run, or it has its operation).
   */
  failRun(runId: string, detail: string): Promise<void>;
  /** Runs recorded as started whose operation was never set (the process stopped in between). */
  unfinishedRuns(): Promise<ScheduleRunRecord[]>;
  /** Newest first (by run time); of one schedule or of all; `limit` 1 to 500. */
  listRuns(filter: { scheduleId?: string; limit: number }): Promise<ScheduleRunRecord[]>;
  /** Each schedule's newest run (by run time). */
  lastRuns(): Promise<Map<string, ScheduleRunRecord>>;
  /** Deletes runs recorded before a time; returns how many. */
  pruneRuns(recordedBefore: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Power plans (ordered tiers of VMs; a run is an operation: see src/plans/)

/** What people set of a plan (the contract's PlanBody, every default applied). */
export interface PlanFields {
  name: string;
  /** In plan order: the first starts first and shuts down last. */
  tiers: Tier[];
  helpdesk: HelpdeskRun;
  parallelism: number;
}

export interface PlanRecord extends PlanFields {
  id: string;
  /** Who created it. */
  owner: string;
  createdAt: string;
  /** Moves at every edit. */
  updatedAt: string;
}

export interface PlanStore {
  /** Stores a new plan (id, owner and times given). Throws StoreError 'exists'. */
  create(plan: PlanRecord): Promise<PlanRecord>;
  get(id: string): Promise<PlanRecord | null>;
  /** Every plan, by name (then id). */
  list(): Promise<PlanRecord[]>;
  count(): Promise<number>;
  /** Applies a change and sets updatedAt. Throws StoreError 'not_found'. */
  update(id: string, patch: Partial<PlanFields>, updatedAt: string): Promise<PlanRecord>;
  /** Deletes a plan (its runs, operations, stay); false when there was none. */
  delete(id: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Alerts (issue 19): targets and their durable delivery queue

/** A target as stored. `config` holds what may be shown; `secret` is the sealed secrets (alerts/secret-box.ts). */
export interface AlertTargetRecord {
  id: string;
  name: string;
  kind: TargetKind;
  /** Non-secret settings by kind: webhook {url}; slack/teams {host}; email {host, port, security, username, from, to}. */
  config: Record<string, unknown>;
  /** Sealed JSON of the kind's secrets (webhook {secret}; slack/teams {url}; email {password}); null: none. */
  secret: string | null;
  events: AlertEvent[];
  vmFilter: string;
  minSeverity: AlertSeverity;
  cooldownMinutes: number;
  digestThreshold: number;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type AlertTargetFields = Omit<
  AlertTargetRecord,
  'id' | 'kind' | 'createdBy' | 'createdAt' | 'updatedAt'
>;

/** One message to one target, from queued to sent or failed. */
export interface AlertDeliveryRecord {
  /** A UUID; the webhook's `webhook-id`. */
  id: string;
  targetId: string;
  event: DeliveryEvent;
  severity: AlertSeverity;
  title: string;
  vmKey: number | null;
  /** The message's JSON (the WebhookPayload's `data`), rendered per kind when sent. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  /** When it may be tried next (queued: its group wait; retrying: its backoff); null once sent, failed or merged. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  mergedInto: string | null;
}

export interface AlertTargetCounts {
  /** queued + retrying */
  pending: number;
  failed: number;
  last: AlertDeliveryRecord | null;
}

export interface AlertStore {
  /** Throws StoreError 'exists' when the name (case-insensitive) is taken. */
  createTarget(target: AlertTargetRecord): Promise<AlertTargetRecord>;
  getTarget(id: string): Promise<AlertTargetRecord | null>;
  /** Every target, by name. */
  listTargets(): Promise<AlertTargetRecord[]>;
  /** Applies a change and sets updatedAt. Throws StoreError 'not_found' or 'exists' (name). */
  updateTarget(id: string, patch: Partial<AlertTargetFields>, updatedAt: string): Promise<AlertTargetRecord>;
  /** Deletes a target and its deliveries; false when there was none. */
  deleteTarget(id: string): Promise<boolean>;
  /** Each target's pending and failed counts and newest delivery. */
  counts(): Promise<Map<string, AlertTargetCounts>>;

  /** Queues deliveries (all or none). */
  enqueue(deliveries: readonly AlertDeliveryRecord[]): Promise<void>;
  getDelivery(id: string): Promise<AlertDeliveryRecord | null>;
  /**
   * The newest delivery of this event for this target and VM (vmKey null: events without a VM) not failed, or
   * null: the cool-down and "back only after down" ask this.
   */
  lastDelivery(
    targetId: string,
    event: DeliveryEvent,
    vmKey: number | null,
  ): Promise<AlertDeliveryRecord | null>;
  /**
   * Queued or retrying deliveries whose nextAttemptAt is at or before `now`, oldest (createdAt) first, at most
   * `limit` (1 to 1000).
   */
  due(now: string, limit: number): Promise<AlertDeliveryRecord[]>;
  /** A target's queued `vm_down` deliveries with no attempt yet created in [from, to], oldest first (at most 1000). */
  queuedDowns(targetId: string, from: string, to: string): Promise<AlertDeliveryRecord[]>;
  /** Writes a try's result (status, attempts, lastAttemptAt, lastError, nextAttemptAt, sentAt). 'not_found' if gone. */
  recordAttempt(
    id: string,
    result: Pick<
      AlertDeliveryRecord,
      'status' | 'attempts' | 'lastAttemptAt' | 'lastError' | 'nextAttemptAt' | 'sentAt'
    >,
  ): Promise<void>;
  /**
   * In one transaction: queues `digest` and marks `ids` merged into it (only those still queued: one already tried
   * stays as it is); answers how many it marked.
   */
  merge(ids: readonly string[], digest: AlertDeliveryRecord): Promise<number>;
  /** A target's deliveries, newest first; `limit` 1 to 1000. */
  listDeliveries(targetId: string, limit: number): Promise<AlertDeliveryRecord[]>;
  /** Deletes sent, merged and failed deliveries created before `before`; how many. */
  prune(before: string): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// All of them

// ---------------------------------------------------------------------------------------------
// Single sign-on: sign-ins under way, refusals kept for their page, and the sign-in settings

/** A sign-in under way (GET /api/sso/start), until its callback consumes it. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  createdAt: string;
}

/** Who may sign in with a password (the contract's SignInSettings). */
export interface SignInSettingsRecord {
  passwordSignIn: 'everyone' | 'break-glass';
  breakGlassAdmins: string[];
}

export interface SsoStore {
  /** Keeps a sign-in under way, bound to a browser's cookie (only its SHA-256 hash is stored). */
  createPending(browserSecret: string, pending: Omit<PendingSignIn, 'createdAt'>): Promise<void>;
  /**
   * Consumes the sign-in under way with this state, once: answers it only if it was made by this browser, is not
   * older than `maxAgeMs`, and was not consumed before (by any server); null otherwise.
   */
  consumePending(browserSecret: string, state: string, maxAgeMs: number): Promise<PendingSignIn | null>;
  /** Keeps a refusal (a JSON document) for the refusal page of this browser; answers its id. */
  addRefusal(browserSecret: string, body: unknown): Promise<string>;
  /** A refusal of this browser not older than `maxAgeMs`; null otherwise. */
  getRefusal(id: string, browserSecret: string, maxAgeMs: number): Promise<unknown>;
  /**
   * Deletes the sign-ins under way that ended (consumed, or older than `pendingMaxAgeMs`) and the refusals older than
   * `refusalMaxAgeMs`; answers how many of each.
   */
  prune(pendingMaxAgeMs: number, refusalMaxAgeMs: number): Promise<{ signIns: number; refusals: number }>;
  /** The sign-in settings (default: everyone may use a password). */
  getSignInSettings(): Promise<SignInSettingsRecord>;
  putSignInSettings(settings: SignInSettingsRecord): Promise<void>;
}

export interface Stores {
  sso: SsoStore;
  users: UserStore;
  sessions: SessionStore;
  displayLinks: DisplayLinkStore;
  tokens: TokenStore;
  throttle: SignInThrottle;
  audit: AuditStore;
  operations: OperationStore;
  schedules: ScheduleStore;
  plans: PlanStore;
  alerts: AlertStore;
}
