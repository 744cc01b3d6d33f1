// The one connection to VergeOS: where it is, how to sign in, how to verify its TLS. Decorates
// `app.vergeos` with what the proxy routes and the fleet poller need. The credentials never leave
// this process: nothing here is serialised into a response or a log line.
import { readFileSync } from 'node:fs';
import { createVergeClient, type VergeAuth, type VergeClient } from '@powerdeck/vergeos-client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Pool } from 'undici';
import type { VergeosAuthConfig } from '../config';

/** Where the BFF sends VergeOS requests; resolved by server.ts (embedded simulator or VERGEOS_URL). */
export interface UpstreamOptions {
  url: string;
  auth: VergeosAuthConfig;
  caFile?: string;
  insecureTls: boolean;
  /** True when the upstream is the embedded simulator. */
  demo: boolean;
}

export interface Vergeos {
  readonly baseUrl: string;
  readonly demo: boolean;
  /** A description safe to show: the host, never credentials. */
  readonly label: string;
  /** The headers that sign a request in to VergeOS (Authorization). Server-side only. */
  authHeaders(): Record<string, string>;
  /** The connection pool the proxy routes forward through (TLS verified unless insecureTls). */
  readonly pool: Pool;
  /** The typed client the fleet poller reads with (reads not retried: the poller has its own backoff). */
  readonly client: VergeClient;
}

declare module 'fastify' {
  interface FastifyInstance {
    vergeos: Vergeos;
  }
}

function clientAuth(auth: VergeosAuthConfig): VergeAuth {
  return auth.kind === 'apiKey'
    ? { type: 'apiKey', apiKey: auth.apiKey }
    : { type: 'basic', username: auth.username, password: auth.password };
}

function authHeaderValue(auth: VergeosAuthConfig): string {
  return auth.kind === 'apiKey'
    ? `Bearer ${auth.apiKey}`
    : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

function vergeosPlugin(
  app: FastifyInstance,
  opts: { upstream: UpstreamOptions },
  done: (err?: Error) => void,
) {
  const { upstream } = opts;
  const url = new URL(upstream.url);
  const ca = upstream.caFile !== undefined ? readFileSync(upstream.caFile, 'utf8') : undefined;
  if (upstream.insecureTls) {
    app.log.warn(
      { vergeos: url.host },
      'VERGEOS_INSECURE_TLS=true: the VergeOS certificate is NOT verified; anyone on the path can impersonate VergeOS',
    );
  }
  const tlsConnect =
    url.protocol === 'https:'
      ? {
          rejectUnauthorized: !upstream.insecureTls,
          ...(ca !== undefined && !upstream.insecureTls ? { ca } : {}),
        }
      : undefined;
  const pool = new Pool(url.origin, {
    connections: 64,
    pipelining: 1,
    ...(tlsConnect ? { connect: tlsConnect } : {}),
  });
  const authorization = authHeaderValue(upstream.auth);
  const client = createVergeClient({
    baseUrl: upstream.url,
    auth: clientAuth(upstream.auth),
    tls: upstream.insecureTls ? { insecure: true } : ca !== undefined ? { ca } : {},
    timeoutMs: 5000,
    retry: { attempts: 1 },
    userAgent: 'powerdeck-bff',
  });
  const vergeos: Vergeos = {
    baseUrl: url.origin + url.pathname.replace(/\/+$/, ''),
    demo: upstream.demo,
    label: upstream.demo ? 'embedded simulator' : url.host,
    authHeaders: () => ({ authorization }),
    pool,
    client,
  };
  app.decorate('vergeos', vergeos);
  app.addHook('onClose', async () => {
    await client.close();
    await pool.close();
  });
  done();
}

export default fp(vergeosPlugin, { name: 'vergeos', fastify: '5.x' });
