// The VergeOS API v4 routes the simulator serves, with who may call each.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimContext } from '../context';
import { VergeError, notFound, unauthorized } from '../errors';
import { VERSION } from '../fleet';
import { compileQuery } from '../query';
import type { QueryParams } from '../query/types';
import { checkToken, parseVmAction } from '../schemas';

/** Who may call a route: anyone, any valid credentials, or credentials that may change things. */
type Access = 'public' | 'read' | 'write';

const ROUTES: readonly { method: string; url: string; access: Access }[] = [
  { method: 'GET', url: '/version.json', access: 'public' },
  { method: 'POST', url: '/api/sys/tokens', access: 'public' },
  { method: 'DELETE', url: '/api/sys/tokens/:token', access: 'read' },
  { method: 'GET', url: '/api/v4/system', access: 'read' },
  { method: 'GET', url: '/api/v4/vms', access: 'read' },
  { method: 'GET', url: '/api/v4/vms/:key', access: 'read' },
  { method: 'GET', url: '/api/v4/machine_status', access: 'read' },
  { method: 'GET', url: '/api/v4/machine_status/:key', access: 'read' },
  { method: 'GET', url: '/api/v4/nodes', access: 'read' },
  { method: 'GET', url: '/api/v4/nodes/:key', access: 'read' },
  { method: 'POST', url: '/api/v4/vm_actions', access: 'write' },
];

const ACCESS = new Map(ROUTES.map((r) => [`${r.method} ${r.url}`, r.access]));

export function accessOf(method: string, url: string | undefined): Access {
  if (url === undefined) return 'read';
  return ACCESS.get(`${method === 'HEAD' ? 'GET' : method} ${url}`) ?? 'read';
}

const PATTERNS = ROUTES.map((r) => ({
  method: r.method,
  re: new RegExp(`^${r.url.replace(/[.]/g, '\\.').replace(/:[a-z]+/g, '[^/]+')}/?$`),
}));

/** Methods served on a concrete path (for 405 versus 404). */
export function knownPaths(path: string): string[] {
  return PATTERNS.filter((p) => p.re.test(path)).map((p) => p.method);
}

/** Query parameters as the query language wants them: one string each (the last, when repeated). */
function queryParams(query: unknown): QueryParams {
  const q = (query ?? {}) as Record<string, unknown>;
  const one = (name: string): string | undefined => {
    const v = q[name];
    const last: unknown = Array.isArray(v) ? v[v.length - 1] : v;
    return typeof last === 'string' ? last : undefined;
  };
  return {
    fields: one('fields'),
    filter: one('filter'),
    sort: one('sort'),
    limit: one('limit'),
    offset: one('offset'),
  };
}

/** A row key from the path: decimal digits only. */
function keyParam(request: FastifyRequest, table: string): number {
  const raw = (request.params as Record<string, string | undefined>).key ?? '';
  if (!/^[0-9]{1,15}$/.test(raw)) throw notFound(`Not found: no row in '${table}' with $key '${raw}'`);
  return Number(raw);
}

export function apiRoutes(
  app: FastifyInstance,
  opts: { ctx: SimContext },
  done: (err?: Error) => void,
): void {
  const { ctx } = opts;

  app.get('/version.json', (_request, reply) =>
    reply.send({ name: 'v4', version: VERSION, product: 'VergeOS', build: 'simulator' }),
  );

  app.post('/api/sys/tokens', (request, reply) => {
    const body = checkToken(request.body);
    const token = ctx.auth.login(body.login, body.password);
    if (token === undefined) throw unauthorized('Invalid login or password');
    return reply
      .code(201)
      .send({ location: `/sys/tokens/${token}`, dbpath: `tokens/${token}`, $row: 1, $key: token });
  });

  app.delete('/api/sys/tokens/:token', (request, reply) => {
    const token = (request.params as { token: string }).token;
    if (!ctx.auth.logout(token)) throw notFound(`Not found: no row in 'tokens' with $key '${token}'`);
    return reply.code(200).send({});
  });

  app.get('/api/v4/system', (request, reply) => {
    const row = compileQuery(ctx.catalog, 'system', queryParams(request.query)).one(1);
    if (!row) throw new VergeError(500, 'system row missing');
    return reply.send(row);
  });

  for (const table of ['vms', 'machine_status', 'nodes'] as const) {
    app.get(`/api/v4/${table}`, (request, reply) => {
      ctx.cluster.tick();
      return reply.send(compileQuery(ctx.catalog, table, queryParams(request.query)).list());
    });
    app.get(`/api/v4/${table}/:key`, (request, reply) => {
      const key = keyParam(request, table);
      ctx.cluster.tick();
      const row = compileQuery(ctx.catalog, table, queryParams(request.query)).one(key);
      if (!row) throw notFound(`Not found: no row in '${table}' with $key ${key}`);
      return reply.send(row);
    });
  }

  app.post('/api/v4/vm_actions', (request, reply) => {
    const action = parseVmAction(request.body);
    const receipt = ctx.cluster.act(action, ctx.scenarios.effects());
    ctx.stats.countAction(action.action);
    return reply.code(201).send(receipt);
  });

  done();
}
