// Per-route access control. Every route under /api declares what it needs in its config
// (`config: { permission: 'fleet:read' }`); a route that declares nothing fails at start-up, so no
// route can be added without a decision. Until sign-in exists every permission is granted and the
// BFF listens on loopback only; the sign-in issue replaces `authorize` with a role check.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const PERMISSIONS = ['public', 'fleet:read', 'vm:power'] as const;
export type Permission = (typeof PERMISSIONS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyInstance {
    /** Throws an HTTP error (401/403) when the request may not do this. */
    authorize(request: FastifyRequest, permission: Permission): void;
  }
}

function accessPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  app.decorate('authorize', (_request: FastifyRequest, _permission: Permission): void => {
    // No users yet: the BFF is reachable from loopback only (see README). The sign-in issue
    // checks the session's role here.
  });

  app.addHook('onRoute', (route) => {
    const needsDecision = route.url.startsWith('/api') || route.url.startsWith('/readyz');
    const permission = route.config?.permission;
    if (needsDecision && permission === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission`);
    }
  });

  app.addHook('onRequest', (request, _reply, next) => {
    const permission = request.routeOptions.config.permission;
    if (permission !== undefined && permission !== 'public') app.authorize(request, permission);
    next();
  });
  done();
}

export default fp(accessPlugin, { name: 'access', fastify: '5.x' });
