// Account changes that are always audited: adding users, passwords, roles, enabling and disabling,
// personal tokens and display links. The CLIs use these, and so should the HTTP routes, so that no
// change can be made without its audit row. A refused change is audited too (outcome 'denied').
import { auditActor } from '../audit-fields';
import { StoreError } from './errors';
import type {
  AccessToken,
  AuditAuthKind,
  AuditInput,
  DisplayLink,
  Json,
  KeepAnAdmin,
  NewAccessToken,
  NewUser,
  Role,
  Stores,
  User,
} from './types';

/** Who makes the change, as the audit log names them. */
export interface ActorContext {
  actor: string;
  role: Role | null;
  authKind: AuditAuthKind;
  source?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** The local admin CLI (whoever can run it can read the database file anyway). */
export const CLI_ACTOR: ActorContext = { actor: 'cli', role: null, authKind: 'cli' };

async function audited<T>(
  stores: Stores,
  ctx: ActorContext,
  what: Pick<AuditInput, 'kind' | 'action' | 'target'> & { params?: Json },
  change: () => Promise<{ result: T; target?: string; params?: Json }>,
): Promise<T> {
  const base: AuditInput = {
    kind: what.kind,
    outcome: 'accepted',
    ...auditActor(ctx),
    action: what.action ?? null,
    target: what.target ?? null,
    ...(what.params !== undefined ? { params: what.params } : {}),
  };
  let done: { result: T; target?: string; params?: Json };
  try {
    done = await change();
  } catch (err) {
    await stores.audit.append({
      ...base,
      outcome: err instanceof StoreError ? 'denied' : 'failed',
      reason: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
  await stores.audit.append({
    ...base,
    ...(done.target !== undefined ? { target: done.target } : {}),
    ...(done.params !== undefined ? { params: done.params } : {}),
  });
  return done.result;
}

const userTarget = (name: string) => `user:${String(name).trim().toLowerCase().slice(0, 64)}`;

/** A change to a user, and how many of their personal tokens it revoked. */
interface UserChange {
  user: User;
  tokensRevoked: number;
}

/** Why a user's tokens were revoked with an account change (the audit rows' reason). */
type TokensRevokedBecause = 'user disabled' | 'password changed';

/**
 * Revokes every live token of a user, for good, and audits each as a revocation (kind token, action revoke) with
 * the reason; answers how many. Part of an account change: its own row comes after these.
 */
async function revokeTokensOf(
  stores: Stores,
  ctx: ActorContext,
  userId: number,
  because: TokensRevokedBecause,
): Promise<number> {
  const revoked = await stores.tokens.revokeAllOfUser(userId);
  for (const t of revoked) {
    await stores.audit.append({
      kind: 'token',
      outcome: 'accepted',
      ...auditActor(ctx),
      action: 'revoke',
      target: `token:${t.id}`,
      reason: because,
      params: { owner: t.user.username, name: t.name, role: t.role, prefix: t.prefix },
    });
  }
  return revoked.length;
}

export function addUser(stores: Stores, ctx: ActorContext, input: NewUser): Promise<User> {
  return audited(
    stores,
    ctx,
    { kind: 'user', action: 'create', target: userTarget(input.username), params: { role: input.role } },
    async () => ({ result: await stores.users.create(input) }),
  );
}

interface PasswordChangeOptions {
  /** Revoke every live personal token of the user too (default true). */
  revokeTokens?: boolean;
}

/**
 * Sets a new password and ends every session of the user; unless `revokeTokens: false`, revokes their tokens too.
 * The audit row says which was chosen and how many tokens were revoked (or kept).
 */
export function changePassword(
  stores: Stores,
  ctx: ActorContext,
  username: string,
  password: string,
  options: PasswordChangeOptions = {},
): Promise<UserChange> {
  const revokeTokens = options.revokeTokens ?? true;
  return audited(
    stores,
    ctx,
    { kind: 'user', action: 'passwd', target: userTarget(username), params: { revokeTokens } },
    async (): Promise<{ result: UserChange; params: Json }> => {
      const user = await stores.users.setPassword(username, password);
      const sessionsEnded = await stores.sessions.revokeAllForUser(user.id);
      if (!revokeTokens) {
        const tokensKept = (await stores.tokens.activeCountByUser()).get(user.id) ?? 0;
        return {
          result: { user, tokensRevoked: 0 },
          params: { revokeTokens, sessionsEnded, tokensKept },
        };
      }
      const tokensRevoked = await revokeTokensOf(stores, ctx, user.id, 'password changed');
      return { result: { user, tokensRevoked }, params: { revokeTokens, sessionsEnded, tokensRevoked } };
    },
  );
}

/**
 * Sets a user's role; when it changes, ends every session of the user. Their tokens stay, but a token never acts
 * above its owner's current role: the token store caps its role by the owner's at every lookup.
 * `keepAnAdmin`: refuse to demote the last enabled admin (StoreError 'conflict').
 */
export function setUserRole(
  stores: Stores,
  ctx: ActorContext,
  username: string,
  role: Role,
  options: KeepAnAdmin = {},
): Promise<User> {
  return audited(
    stores,
    ctx,
    { kind: 'user', action: 'role', target: userTarget(username), params: { role } },
    async () => {
      const users = stores.users;
      const before = await users.get(username);
      const user = await users.setRole(username, role, options);
      if (before !== null && before.role !== user.role) await stores.sessions.revokeAllForUser(user.id);
      return { result: user, params: { from: before?.role ?? null, role: user.role } };
    },
  );
}

/**
 * Disables a user, ends their sessions and revokes their personal tokens, for good (enabling again brings back
 * neither). `keepAnAdmin`: refuse to disable the last enabled admin (StoreError 'conflict').
 */
export function disableUser(
  stores: Stores,
  ctx: ActorContext,
  username: string,
  options: KeepAnAdmin = {},
): Promise<UserChange> {
  return audited(stores, ctx, { kind: 'user', action: 'disable', target: userTarget(username) }, async () => {
    const user = await stores.users.setDisabled(username, true, options);
    const sessionsEnded = await stores.sessions.revokeAllForUser(user.id);
    const tokensRevoked = await revokeTokensOf(stores, ctx, user.id, 'user disabled');
    return { result: { user, tokensRevoked }, params: { sessionsEnded, tokensRevoked } };
  });
}

/**
 * Enables a user again. A disabled user can make no token, so any live token they still have dates from before
 * the disable (one whose revocations did not happen: a crash, or a disable made in the store directly): it is
 * revoked first, audited as 'user disabled', so that enabling never brings an old token back.
 */
export function enableUser(stores: Stores, ctx: ActorContext, username: string): Promise<UserChange> {
  return audited(stores, ctx, { kind: 'user', action: 'enable', target: userTarget(username) }, async () => {
    const before = await stores.users.get(username);
    const tokensRevoked =
      before?.disabled === true ? await revokeTokensOf(stores, ctx, before.id, 'user disabled') : 0;
    const user = await stores.users.setDisabled(username, false);
    return { result: { user, tokensRevoked }, params: { tokensRevoked } };
  });
}

export function createToken(
  stores: Stores,
  ctx: ActorContext,
  input: NewAccessToken,
): Promise<{ token: string; info: AccessToken }> {
  const expiresAt = input.expiresAt instanceof Date && Number.isFinite(input.expiresAt.getTime());
  return audited(
    stores,
    ctx,
    {
      kind: 'token',
      action: 'create',
      params: {
        userId: input.userId,
        name: String(input.name),
        role: input.role,
        expiresAt: expiresAt ? input.expiresAt.toISOString() : null,
      },
    },
    async () => {
      const created = await stores.tokens.create(input);
      const t = created.info;
      return {
        result: created,
        target: `token:${t.id}`,
        params: {
          owner: t.user.username,
          name: t.name,
          role: t.role,
          prefix: t.prefix,
          expiresAt: t.expiresAt,
        },
      };
    },
  );
}

/** Revokes a token; with `onlyOwnedBy`, only one of that user's. Throws StoreError 'not_found' otherwise. */
export function revokeToken(
  stores: Stores,
  ctx: ActorContext,
  id: number,
  onlyOwnedBy?: number,
): Promise<void> {
  return audited(stores, ctx, { kind: 'token', action: 'revoke', target: `token:${id}` }, async () => {
    const ok = await stores.tokens.revoke(id, onlyOwnedBy === undefined ? {} : { userId: onlyOwnedBy });
    if (!ok) throw new StoreError('not_found', `no live token ${id}`);
    return { result: undefined };
  });
}

export function createDisplayLink(
  stores: Stores,
  ctx: ActorContext,
  input: { name: string; createdBy: number },
): Promise<{ secret: string; link: DisplayLink }> {
  return audited(
    stores,
    ctx,
    { kind: 'display', action: 'create', params: { name: String(input.name) } },
    async () => {
      const created = await stores.displayLinks.create(input);
      return { result: created, target: `display:${created.link.id}`, params: { name: created.link.name } };
    },
  );
}

/** Revokes a display link: its displays stop at their next request. */
export function revokeDisplayLink(stores: Stores, ctx: ActorContext, id: number): Promise<void> {
  return audited(stores, ctx, { kind: 'display', action: 'revoke', target: `display:${id}` }, async () => {
    const ok = await stores.displayLinks.revoke(id);
    if (!ok) throw new StoreError('not_found', `no live display link ${id}`);
    return { result: undefined };
  });
}
