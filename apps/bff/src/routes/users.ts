// Managing people: list, add, change role or password, disable and enable (users:manage, admins in a
// browser). Every change goes through the audited functions of stores/admin.ts, so each change and
// each refusal leaves an audit row with who asked. A password change, disabling and a role change end
// the user's sessions; disabling revokes their personal tokens for good, and a password change does too
// unless the body says `revokeTokens: false`. Nothing may leave Powerdeck without an enabled admin.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NewUserBody, UserPatchAnswer, UserPatchBody, UserRow, Username } from '@powerdeck/contracts/auth';
import { ErrorBody } from '@powerdeck/contracts/power';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { actorContext } from '../plugins/auth';
import { HttpError, refused } from '../plugins/errors';
import { addUser, changePassword, disableUser, enableUser, setUserRole } from '../stores/admin';
import type { User } from '../stores/types';

const UserParams = Type.Object({ username: Username }, { additionalProperties: false });

/** A user as the browser sees them; `activeTokens`: from the token store's activeCountByUser(). */
function userRowOf(user: User, activeTokens: ReadonlyMap<number, number>): UserRow {
  return {
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    activeTokens: activeTokens.get(user.id) ?? 0,
    source: user.source,
    lastSignInAt: user.lastSignInAt,
  };
}

export default function userRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  const { stores } = app;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { permission: 'users:manage' } as const;

  r.get(
    '/api/users',
    { schema: { response: { 200: Type.Array(UserRow), '4xx': ErrorBody } }, config },
    async () => {
      const [users, active] = await Promise.all([stores.users.list(), stores.tokens.activeCountByUser()]);
      return users.map((u) => userRowOf(u, active));
    },
  );

  r.post(
    '/api/users',
    { schema: { body: NewUserBody, response: { 201: UserRow, '4xx': ErrorBody } }, config },
    async (request, reply) => {
      const ctx = actorContext(request, request.principal);
      const user = await addUser(stores, ctx, request.body).catch((err: unknown) => {
        throw refused(err, { exists: `a user named ${request.body.username.toLowerCase()} already exists` });
      });
      return reply.code(201).send(userRowOf(user, await stores.tokens.activeCountByUser()));
    },
  );

  r.patch(
    '/api/users/:username',
    {
      schema: {
        params: UserParams,
        body: UserPatchBody,
        response: { 200: UserPatchAnswer, '4xx': ErrorBody },
      },
      config,
    },
    async (request) => {
      const principal = request.principal!;
      const ctx = actorContext(request, principal);
      const { role, disabled, password, revokeTokens } = request.body;
      if (revokeTokens !== undefined && password === undefined) {
        throw new HttpError(
          400,
          'Invalid request: revokeTokens goes only with a new password',
          'invalid_request',
        );
      }
      const target = await stores.users.get(request.params.username);
      if (!target) {
        throw new HttpError(404, `No user named ${request.params.username.toLowerCase()}`, 'not_found');
      }
      if (target.source === 'sso' && role !== undefined && role !== target.role) {
        throw new HttpError(
          409,
          `${target.username}'s role comes from the identity provider's groups at each sign-in`,
          'role_from_idp',
        );
      }
      if (target.source === 'sso' && password !== undefined) {
        throw new HttpError(
          409,
          `${target.username} signs in with single sign-on and has no Powerdeck password`,
          'sso_user',
        );
      }
      const self = principal.user?.id === target.id;
      const lastAdmin = self
        ? 'You are the last enabled admin: make another user an admin before you demote or disable yourself'
        : `${target.username} is the last enabled admin: make another user an admin first`;
      const keep = { keepAnAdmin: true };
      let user = target;
      let tokensRevoked = 0;
      const apply = (change: { user: User; tokensRevoked: number }) => {
        user = change.user;
        tokensRevoked += change.tokensRevoked;
      };
      try {
        // The changes that can be refused for the last admin first, so a refused patch changes nothing.
        if (role !== undefined && role !== user.role) {
          user = await setUserRole(stores, ctx, user.username, role, keep);
        }
        if (disabled === true && !user.disabled) {
          apply(await disableUser(stores, ctx, user.username, keep));
        } else if (disabled === false && user.disabled) {
          apply(await enableUser(stores, ctx, user.username));
        }
        if (password !== undefined) {
          apply(
            await changePassword(stores, ctx, user.username, password, {
              revokeTokens: revokeTokens ?? true,
            }),
          );
        }
      } catch (err) {
        throw refused(err, { conflict: lastAdmin });
      }
      return { ...userRowOf(user, await stores.tokens.activeCountByUser()), tokensRevoked };
    },
  );

  done();
}
