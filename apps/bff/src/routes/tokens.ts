// Personal access tokens for scripts: a person lists, creates and revokes their own; an admin
// (tokens:all) sees and revokes everyone's. Only a person signed in with a password may do this
// (tokens:own is session-only: a token cannot mint or revoke tokens). A token is shown once, at
// creation; lists carry only its prefix. Its role is no higher than its owner's.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NewTokenAnswer, NewTokenBody, TokenRow } from '@powerdeck/contracts/auth';
import { ErrorBody } from '@powerdeck/contracts/power';
import { roleRank } from '@powerdeck/contracts/roles';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { actorContext, principalMay } from '../plugins/auth';
import { HttpError, refused } from '../plugins/errors';
import { createToken, revokeToken } from '../stores/admin';
import type { AccessToken, Principal } from '../stores/types';

const DAY_MS = 24 * 60 * 60_000;

const ListQuery = Type.Object(
  { all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: false },
);
const IdParams = Type.Object(
  { id: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'a token id' }) },
  { additionalProperties: false },
);

function tokenRowOf(t: AccessToken): TokenRow {
  return {
    id: t.id,
    name: t.name,
    username: t.user.username,
    role: t.role,
    prefix: t.prefix,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

/** The signed-in person (tokens:own is session-only, so a route of this file always has one). */
function personOf(principal: Principal | null): { id: number; username: string } {
  if (!principal?.user) throw new HttpError(401, 'Sign in to continue', 'unauthenticated');
  return principal.user;
}

export default function tokenRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  const { stores } = app;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { permission: 'tokens:own' } as const;

  r.get(
    '/api/tokens',
    {
      schema: { querystring: ListQuery, response: { 200: Type.Array(TokenRow), '4xx': ErrorBody } },
      config,
    },
    async (request) => {
      const person = personOf(request.principal);
      if (request.query.all === 'true') {
        // 403, audited, unless the principal may see everyone's.
        await app.authorizePermissions(request, ['tokens:all']);
        return (await stores.tokens.list({})).map(tokenRowOf);
      }
      return (await stores.tokens.list({ userId: person.id })).map(tokenRowOf);
    },
  );

  r.post(
    '/api/tokens',
    { schema: { body: NewTokenBody, response: { 201: NewTokenAnswer, '4xx': ErrorBody } }, config },
    async (request, reply) => {
      const principal = request.principal!;
      const person = personOf(principal);
      const { name, role, expiresInDays } = request.body;
      // The store refuses a role above the owner's too (audited as denied); this names the rule.
      const tooHigh =
        roleRank(role) > roleRank(principal.role)
          ? `Your role (${principal.role}) may not create a token with the role ${role}: a token's role can be no higher than your own`
          : undefined;
      const created = await createToken(stores, actorContext(request, principal), {
        userId: person.id,
        name,
        role,
        expiresAt: new Date(Date.now() + expiresInDays * DAY_MS),
      }).catch((err: unknown) => {
        throw refused(err, tooHigh === undefined ? {} : { forbidden: tooHigh });
      });
      return reply.code(201).send({ token: created.token, info: tokenRowOf(created.info) });
    },
  );

  r.delete(
    '/api/tokens/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), '4xx': ErrorBody } }, config },
    async (request, reply) => {
      const principal = request.principal!;
      const person = personOf(principal);
      const id = Number(request.params.id);
      const any = principalMay(principal, 'tokens:all');
      await revokeToken(stores, actorContext(request, principal), id, any ? undefined : person.id).catch(
        (err: unknown) => {
          throw refused(err, {
            not_found: any ? `there is no live token ${id}` : `you have no live token ${id}`,
          });
        },
      );
      return reply.code(204).send(null);
    },
  );

  done();
}
