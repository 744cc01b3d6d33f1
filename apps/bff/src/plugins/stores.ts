// The stores (users, sessions, tokens, display links, sign-in throttle, audit log, operations, schedules, plans)
// as `app.stores`.
// Whoever opens them closes them (server.ts, or a test): the app only uses them.
// Every audit row the app appends is told, once committed, to whoever listens (`app.onAuditAppended`: the metrics
// count power actions and sign-ins from the rows that record them, the one place every path writes to).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditRecord, AuditStore, Stores } from '../stores/types';

type AuditListener = (row: AuditRecord) => void;

declare module 'fastify' {
  interface FastifyInstance {
    stores: Stores;
    /** Calls `listener` with each audit row this app appends, once committed; answers how to stop. */
    onAuditAppended(listener: AuditListener): () => void;
  }
}

function storesPlugin(app: FastifyInstance, opts: { stores: Stores }, done: (err?: Error) => void) {
  const listeners = new Set<AuditListener>();
  const store = opts.stores.audit;
  const audit: AuditStore = {
    async append(input) {
      const row = await store.append(input);
      for (const listener of listeners) {
        try {
          listener(row);
        } catch (err) {
          app.log.error({ err }, 'an audit listener failed');
        }
      }
      return row;
    },
    get: (id) => store.get(id),
    query: (q) => store.query(q),
    powerAttempts: (vmKey, limit) => store.powerAttempts(vmKey, limit),
    outcomesOf: (refIds) => store.outcomesOf(refIds),
    lastAcceptedStop: (vmKey, from) => store.lastAcceptedStop(vmKey, from),
    head: () => store.head(),
    verify: () => store.verify(),
  };
  app.decorate('stores', { ...opts.stores, audit });
  app.decorate('onAuditAppended', (listener: AuditListener) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  });
  done();
}

export default fp(storesPlugin, { name: 'stores', fastify: '5.x' });
