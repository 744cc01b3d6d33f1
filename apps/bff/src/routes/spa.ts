// Serves the built SPA: hashed assets with long caching, and index.html for every client route
// (anything that is not /api, a health route or a file).
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from '../plugins/errors';

export default async function spaRoutes(app: FastifyInstance, opts: { root: string }) {
  await app.register(fastifyStatic, {
    root: opts.root,
    wildcard: false,
    index: false,
    setHeaders: (res, path) => {
      res.header(
        'cache-control',
        /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });

  const index = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');

  app.get('/', { helmet: {}, config: { permission: 'public' } }, (_req, reply) => index(reply));
  app.get('/*', { helmet: {}, config: { permission: 'public' } }, (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    // Unknown API routes and missing files are 404s, not the app shell.
    if (path.startsWith('/api/') || path === '/api' || /\.[a-z0-9]+$/i.test(path)) {
      sendError(reply, 404, `Not found: ${req.method} ${path}`, 'not_found');
      return reply;
    }
    return index(reply);
  });
}
