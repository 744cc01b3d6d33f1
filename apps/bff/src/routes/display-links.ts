// Display links: named, read-only, long-lived credentials for wall displays (displays:manage, admins
// in a browser). The secret is shown once, inside the path to open on the screen
// (`/display#<secret>`); revoking a link ends its displays' sessions at their next request. Every
// change goes through stores/admin.ts, so it is audited.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DisplayLinkRow, NewDisplayLinkAnswer, NewDisplayLinkBody } from '@powerdeck/contracts/auth';
import { ErrorBody } from '@powerdeck/contracts/power';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { actorContext } from '../plugins/auth';
import { HttpError, refused } from '../plugins/errors';
import { createDisplayLink, revokeDisplayLink } from '../stores/admin';
import type { DisplayLink } from '../stores/types';

const IdParams = Type.Object(
  { id: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'a display link id' }) },
  { additionalProperties: false },
);

function displayLinkRowOf(link: DisplayLink): DisplayLinkRow {
  return {
    id: link.id,
    name: link.name,
    createdBy: link.createdBy.username,
    createdAt: link.createdAt,
    lastUsedAt: link.lastUsedAt,
    revokedAt: link.revokedAt,
  };
}

export default function displayLinkRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  const { stores } = app;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { permission: 'displays:manage' } as const;

  r.get(
    '/api/display-links',
    { schema: { response: { 200: Type.Array(DisplayLinkRow), '4xx': ErrorBody } }, config },
    async () => (await stores.displayLinks.list()).map(displayLinkRowOf),
  );

  r.post(
    '/api/display-links',
    {
      schema: { body: NewDisplayLinkBody, response: { 201: NewDisplayLinkAnswer, '4xx': ErrorBody } },
      config,
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (!principal.user) throw new HttpError(401, 'Sign in to continue', 'unauthenticated');
      const { secret, link } = await createDisplayLink(stores, actorContext(request, principal), {
        name: request.body.name,
        createdBy: principal.user.id,
      }).catch((err: unknown) => {
        throw refused(err);
      });
      return reply.code(201).send({ link: displayLinkRowOf(link), secret, path: `/display#${secret}` });
    },
  );

  r.delete(
    '/api/display-links/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), '4xx': ErrorBody } }, config },
    async (request, reply) => {
      const id = Number(request.params.id);
      await revokeDisplayLink(stores, actorContext(request, request.principal), id).catch((err: unknown) => {
        throw refused(err, { not_found: `there is no live display link ${id}` });
      });
      return reply.code(204).send(null);
    },
  );

  done();
}
