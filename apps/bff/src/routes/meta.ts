// What the UI needs to know about this BFF: demo mode (embedded simulator) and what it talks to.
// Public (the sign-in page says "demo"); which VergeOS it talks to only once signed in.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppInfo } from '@powerdeck/contracts/fleet';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version';

export default function metaRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get(
      '/api/meta',
      { schema: { response: { 200: AppInfo } }, config: { permission: 'public' } },
      (request) => ({
        demo: app.vergeos.demo,
        vergeos: request.principal ? app.vergeos.label : '',
        version: VERSION,
      }),
    );
  done();
}
