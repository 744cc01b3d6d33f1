// Liveness and readiness for load balancers and orchestrators.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

const Health = Type.Object({
  status: Type.String(),
  reason: Type.Optional(Type.String()),
  /** Several servers: this server's name, and whether it leads. */
  server: Type.Optional(Type.String()),
  role: Type.Optional(Type.Union([Type.Literal('leader'), Type.Literal('follower')])),
});

/** How long /readyz waits for the database before saying it cannot reach it. */
const DB_CHECK_MS = 2000;

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

  // One server: the last fleet poll succeeded recently (the data this BFF serves is live). Several servers on one
  // database: the database answers, and the shared snapshot is fresh or some server leads (it is polling, or is
  // about to: a load balancer must not take every server out while VergeOS is down or a leader takes over).
  // The database check uses the server's own pool on purpose: a server whose every connection is busy (waiting on a
  // lock, a slow database) cannot serve sign-ins or operations either, so it is rightly not ready.
  r.get(
    '/readyz',
    { schema: { response: { 200: Health, 503: Health } }, config: { permission: 'public' } },
    async (_req, reply) => {
      const cluster = app.cluster;
      const who = cluster
        ? {
            server: cluster.serverName,
            role: cluster.isLeader() ? ('leader' as const) : ('follower' as const),
          }
        : {};
      const notReady = (reason: string) => reply.code(503).send({ status: 'not ready', reason, ...who });
      const last = app.fleet.lastSuccessAt();
      const age = last === null ? null : Date.now() - last;
      const fresh = age !== null && age <= opts.readyMaxAgeMs;
      if (cluster) {
        let timer: NodeJS.Timeout | undefined;
        try {
          const leader = await Promise.race([
            cluster.leader(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () =>
                  reject(
                    new Error(
                      `no answer within ${DB_CHECK_MS} ms: unreachable, or every connection of this server busy`,
                    ),
                  ),
                DB_CHECK_MS,
              );
            }),
          ]);
          if (fresh || leader?.live) return { status: 'ready', ...who };
          return notReady('no server leads, and the shared fleet snapshot is not fresh');
        } catch (err) {
          return notReady(`cannot reach the database (${(err as Error).message})`);
        } finally {
          clearTimeout(timer);
        }
      }
      if (!fresh) {
        return notReady(
          age === null
            ? 'no successful fleet poll yet'
            : `last successful fleet poll ${Math.round(age / 1000)} s ago`,
        );
      }
      return { status: 'ready' };
    },
  );
  done();
}
