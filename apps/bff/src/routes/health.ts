// Liveness and readiness for load balancers and orchestrators.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

const Health = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) });

export default function healthRoutes(
  app: FastifyInstance,
  opts: { readyMaxAgeMs: number },
  done: (err?: Error) => void,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  // The process is up and answering.
  r.get('/healthz', { schema: { response: { 200: Health } }, config: { permission: 'public' } }, () => ({
    status: 'ok',
  }));

  // The last fleet poll succeeded recently: the data this BFF serves is live.
  r.get(
    '/readyz',
    { schema: { response: { 200: Health, 503: Health } }, config: { permission: 'public' } },
    (_req, reply) => {
      const last = app.fleet.lastSuccessAt();
      const age = last === null ? null : Date.now() - last;
      if (age === null || age > opts.readyMaxAgeMs) {
        void reply.code(503).send({
          status: 'not ready',
          reason:
            age === null
              ? 'no successful fleet poll yet'
              : `last successful fleet poll ${Math.round(age / 1000)} s ago`,
        });
        return;
      }
      return { status: 'ready' };
    },
  );
  done();
}
