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

export function addUser(stores: Stores, ctx: ActorContext, input: NewUser): Promise<User> {
  return audited(
    stores,
    ctx,
    { kind: 'user', action: 'create', target: userTarget(input.username), params: { role: input.role } },
    async () => ({ result: await stores.users.create(input) }),
  );
}

/** Sets a new password and ends every session of the user. */
export function changePassword(
  stores: Stores,
  ctx: ActorContext,
  username: string,
  password: string,
): Promise<User> {
  return audited(stores, ctx, { kind: 'user', action: 'passwd', target: userTarget(username) }, async () => {
    const user = await stores.users.setPassword(username, password);
    const ended = await stores.sessions.revokeAllForUser(user.id);
    return { result: user, params: { sessionsEnded: ended } };
  });
}

/**
 * Sets a user's role; when it changes, ends every session of the user (their tokens stay, capped
 * by the new role). `keepAnAdmin`: refuse to demote the last enabled admin (StoreError 'conflict').
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
 * Disables a user and ends their sessions for good (enabling again does not bring them back).
 * `keepAnAdmin`: refuse to disable the last enabled admin (StoreError 'conflict').
 */
export function disableUser(
  stores: Stores,
  ctx: ActorContext,
  username: string,
  options: KeepAnAdmin = {},
): Promise<User> {
  return audited(stores, ctx, { kind: 'user', action: 'disable', target: userTarget(username) }, async () => {
    const user = await stores.users.setDisabled(username, true, options);
    const ended = await stores.sessions.revokeAllForUser(user.id);
    return { result: user, params: { sessionsEnded: ended } };
  });
}

export function enableUser(stores: Stores, ctx: ActorContext, username: string): Promise<User> {
  return audited(stores, ctx, { kind: 'user', action: 'enable', target: userTarget(username) }, async () => ({
    result: await stores.users.setDisabled(username, false),
  }));
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
