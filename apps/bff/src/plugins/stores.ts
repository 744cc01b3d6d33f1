// The stores (users, sessions, tokens, display links, sign-in throttle, audit log, operations, schedules, plans)
// as `app.stores`.
// Whoever opens them closes them (server.ts, or a test): the app only uses them.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Stores } from '../stores/types';

declare module 'fastify' {
  interface FastifyInstance {
    stores: Stores;
  }
}

function storesPlugin(app: FastifyInstance, opts: { stores: Stores }, done: (err?: Error) => void) {
  app.decorate('stores', opts.stores);
  done();
}

export default fp(storesPlugin, { name: 'stores', fastify: '5.x' });
