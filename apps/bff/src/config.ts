// The BFF's configuration: one schema over the environment, its type derived from it once.
// A bad or missing value stops start-up with a message naming the variable and what is expected.
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { ROLES, type Role } from '@powerdeck/contracts/roles';
import { auditChainOptions, type AuditChainOptions } from './stores/audit-key';

const Bool = (description: string) =>
  Type.Enum(['true', 'false'] as const, { description, default: 'false' });

/** A scrape token: at least 16 printable characters, no spaces (it travels in an Authorization header). */
const METRICS_TOKEN_PATTERN = '^[\\x21-\\x7e]{16,}$';

const ConfigSchema = Type.Object({
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8080,
    description: 'a TCP port from 0 to 65535',
  }),
  HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'an address to listen on, e.g. 127.0.0.1 or 0.0.0.0',
  }),
  VERGEOS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#@]+(/api/v4)?/?$',
      description:
        'the VergeOS address without credentials or path, e.g. https://vergeos.example.com (unset: the embedded simulator)',
    }),
  ),
  VERGEOS_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'a VergeOS API key' })),
  VERGEOS_USERNAME: Type.Optional(
    Type.String({ minLength: 1, description: 'a VergeOS login (clusters before 26.0)' }),
  ),
  VERGEOS_PASSWORD: Type.Optional(
    Type.String({ minLength: 1, description: 'the password of VERGEOS_USERNAME' }),
  ),
  VERGEOS_CA_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a readable PEM file with the CA to trust' }),
  ),
  VERGEOS_INSECURE_TLS: Bool('true or false (true skips TLS verification of VergeOS; loudly logged)'),
  POWERDECK_DATA_DIR: Type.String({
    minLength: 1,
    default: './data',
    description: 'a directory for SQLite data',
  }),
  POWERDECK_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://\\S+$',
      description:
        'a PostgreSQL URL, postgres://user:password@host:5432/powerdeck (unset: SQLite in POWERDECK_DATA_DIR)',
    }),
  ),
  POWERDECK_DATABASE_CA_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "the path of a readable PEM file with the CA that signed the database server's certificate",
    }),
  ),
  POWERDECK_DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'connections to PostgreSQL per server, from 1 to 100',
  }),
  POWERDECK_LEASE_MS: Type.Integer({
    minimum: 1000,
    maximum: 300_000,
    default: 10_000,
    description: "how long the leader's lease lasts without renewal, in ms, from 1000 to 300000",
  }),
  POWERDECK_LEASE_RENEW_MS: Type.Optional(
    Type.Integer({
      minimum: 100,
      maximum: 150_000,
      description:
        'how often the leader renews its lease, in ms, at most half the lease (unset: a third of it)',
    }),
  ),
  POWERDECK_SERVER_NAME: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9._:-]{1,64}$',
      description:
        "this server's name in logs and answers, letters, digits and . _ : - (unset: host name and port)",
    }),
  ),
  POWERDECK_AUDIT_KEY_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'the path of a file holding the audit key (at least 32 characters; unset: audit.key in POWERDECK_DATA_DIR, generated)',
    }),
  ),
  POWERDECK_AUDIT_ANCHOR_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'the path of the append-only audit anchor file (unset: audit-anchors.jsonl in POWERDECK_DATA_DIR)',
    }),
  ),
  POWERDECK_AUDIT_ANCHOR_ROWS: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 100,
    description: 'how many audit rows between anchors, from 1 to 1000000',
  }),
  POWERDECK_AUDIT_ANCHOR_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 5,
    description: 'minutes between anchors while the audit log grows, from 1 to 1440',
  }),
  POWERDECK_ALERT_UNREACHABLE_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 5,
    description:
      'whole minutes without an answer from VergeOS before alerting that it is unreachable, from 1 to 1440',
  }),
  POWERDECK_ALERT_CA_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'the path of a readable PEM file with the CA to trust (besides the system roots) for alert targets: webhooks and SMTP servers with certificates from an internal CA',
    }),
  ),
  POWERDECK_POLL_INTERVAL_MS: Type.Integer({
    minimum: 250,
    maximum: 600_000,
    default: 5000,
    description: 'milliseconds between fleet polls, from 250 to 600000',
  }),
  POWERDECK_FAST_POLL_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 1000,
    description: 'milliseconds between fleet polls while VMs change state, from 100 to 600000',
  }),
  POWERDECK_FAST_POLL_WINDOW_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 60_000,
    description: 'how long after an accepted action to keep polling fast, in ms',
  }),
  POWERDECK_DEMO_VMS: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 24,
    description: 'the number of VMs of the embedded simulator, from 1 to 10000',
  }),
  POWERDECK_DEMO_TIME_SCALE: Type.Number({
    exclusiveMinimum: 0,
    maximum: 100,
    default: 1,
    description: 'the embedded simulator time scale, a number above 0 (0.1 = ten times faster)',
  }),
  POWERDECK_DEMO_PASSWORD: Type.Optional(
    Type.String({
      minLength: 12,
      description: 'the password of the demo users admin, helpdesk and viewer, at least 12 characters',
    }),
  ),
  POWERDECK_SESSION_IDLE_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 10_080,
    default: 30,
    description: 'minutes without a request after which a signed-in session ends, from 1 to 10080',
  }),
  POWERDECK_SESSION_MAX_HOURS: Type.Integer({
    minimum: 1,
    maximum: 720,
    default: 12,
    description:
      "hours after which a person's session ends however active (password or single sign-on), from 1 to 720",
  }),
  POWERDECK_OIDC_ISSUER: Type.Optional(
    Type.String({
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://\\S+$',
      description:
        'the OpenID Connect issuer URL, https (http only for 127.0.0.1, ::1 or localhost), e.g. https://login.microsoftonline.com/<tenant>/v2.0',
    }),
  ),
  POWERDECK_OIDC_CLIENT_ID: Type.Optional(
    Type.String({ minLength: 1, description: "Powerdeck's client id at the identity provider" }),
  ),
  POWERDECK_OIDC_CLIENT_SECRET: Type.Optional(
    Type.String({ minLength: 1, description: "Powerdeck's client secret at the identity provider" }),
  ),
  POWERDECK_OIDC_CLIENT_SECRET_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a readable file holding the client secret' }),
  ),
  POWERDECK_OIDC_SCOPES: Type.String({
    pattern: '^[\\x21-\\x7e]+( [\\x21-\\x7e]+)*$',
    default: 'openid profile email',
    description:
      'the scopes to ask for, separated by spaces, openid among them (default openid profile email)',
  }),
  POWERDECK_OIDC_GROUPS_CLAIM: Type.String({
    pattern: '^[A-Za-z0-9_:.\\/-]{1,100}$',
    default: 'groups',
    description: 'the ID token claim that lists the groups, e.g. groups, or roles for Entra ID app roles',
  }),
  POWERDECK_OIDC_USERNAME_CLAIM: Type.String({
    pattern: '^[A-Za-z0-9_:.\\/-]{1,100}$',
    default: 'preferred_username',
    description: 'the ID token claim that holds the user name (falls back to email), e.g. preferred_username',
  }),
  POWERDECK_OIDC_ROLE_RULES: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'role=group,group;role=group rules with the roles viewer, helpdesk and admin, e.g. admin=pd-admins;helpdesk=pd-helpdesk;viewer=pd-viewers (* as a group: anyone the provider signs in)',
    }),
  ),
  POWERDECK_OIDC_ALLOWED_DOMAINS: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9.-]+(\\s*,\\s*[A-Za-z0-9.-]+)*$',
      description: 'e-mail domains allowed to sign in, comma-separated, e.g. example.com,example.org',
    }),
  ),
  POWERDECK_OIDC_PROVIDER_NAME: Type.String({
    minLength: 1,
    maxLength: 60,
    default: 'single sign-on',
    description: 'the name on the sign-in button (Sign in with <name>), 1 to 60 characters',
  }),
  POWERDECK_OPS_PARALLELISM: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 4,
    description: 'how many VMs an operation acts on at once unless it says, from 1 to 16',
  }),
  POWERDECK_API_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: 8,
    description:
      'how many requests to the VergeOS routes (/api/v4) one person or token may have open at once, from 1 to 256',
  }),
  POWERDECK_API_RATE_PER_MINUTE: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 300,
    description:
      'how many requests to the VergeOS routes (/api/v4) one person or token may make a minute, from 1 to 1000000',
  }),
  POWERDECK_TRUST_PROXY: Type.String({
    pattern: '^(false|[1-9]|[0-9a-fA-F.:/]+(\\s*,\\s*[0-9a-fA-F.:/]+)*)$',
    default: 'false',
    description:
      'false, the number of reverse proxies in front of Powerdeck (1 to 9), or their addresses (comma-separated IPs or CIDRs); never true',
  }),
  POWERDECK_PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@]+/?$',
      description:
        'the address people open Powerdeck at, scheme, host and port only, e.g. https://powerdeck.example.com',
    }),
  ),
  POWERDECK_MAX_CONNECTIONS: Type.Integer({
    minimum: 10,
    maximum: 1_000_000,
    default: 2000,
    description:
      'the most client connections open at once, from 10 (keep it below the file limit of the process)',
  }),
  POWERDECK_MAX_CONNECTIONS_PER_ADDRESS: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 200,
    description:
      'the most client connections open at once from one address (not counted for trusted proxies)',
  }),
  POWERDECK_METRICS_TOKEN: Type.Optional(
    Type.String({
      pattern: METRICS_TOKEN_PATTERN,
      description:
        'the token a Prometheus scraper sends (Authorization: Bearer), at least 16 characters without spaces, e.g. from openssl rand -hex 32 (unset: GET /metrics is off)',
    }),
  ),
  POWERDECK_METRICS_TOKEN_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a readable file holding the metrics token' }),
  ),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    default: 'info',
    description: 'one of fatal, error, warn, info, debug, trace, silent',
  }),
});
type RawConfig = Static<typeof ConfigSchema>;

export type VergeosAuthConfig =
  { kind: 'apiKey'; apiKey: string } | { kind: 'basic'; username: string; password: string };

export interface Config {
  port: number;
  host: string;
  /** Unset: start the embedded simulator. */
  vergeos:
    | { mode: 'embedded'; vms: number; timeScale: number; demoPassword?: string }
    | { mode: 'remote'; url: string; auth: VergeosAuthConfig; caFile?: string; insecureTls: boolean };
  dataDir: string;
  /** Where the stores live: SQLite in dataDir (one server), or PostgreSQL shared by several servers. */
  database: { kind: 'sqlite' } | { kind: 'postgres'; url: string; caFile?: string; poolSize: number };
  /** Several servers on one database: the leader's lease, and this server's name. */
  cluster: { leaseMs: number; renewMs: number; serverName: string };
  /** The audit key and anchor file (found as the CLIs find them), and how often to anchor. */
  audit: AuditChainOptions & { anchorFile: string; anchorEveryRows: number; anchorEveryMs: number };
  poll: { intervalMs: number; fastIntervalMs: number; fastWindowMs: number };
  /** Alerts (issue 19): how long VergeOS may go without answering a poll before `vergeos_unreachable`. */
  /** Alerts: how long VergeOS may be silent before `vergeos_unreachable`; a CA file trusted for targets. */
  alerts: { unreachableAfterMs: number; caFile?: string };
  /** Power operations: VMs acted on at once unless an operation says. */
  operations: { parallelism: number };
  /** Limits per person or token on the VergeOS routes (/api/v4). */
  proxy: { concurrency: number; ratePerMinute: number };
  auth: {
    /** A signed-in session ends after this long without a request. */
    idleTimeoutMs: number;
    /** A person's session ends this long after it began, however active. */
    sessionMaxAgeMs: number;
    /**
     * Which X-Forwarded-For/-Proto/-Host hops to believe: none (false), the nearest N proxies, or proxies at these
     * addresses. Never every hop (a client could name any address).
     */
    trustProxy: TrustProxy;
  };
  /** Single sign-on with OpenID Connect; absent: off. */
  sso?: SsoConfig;
  /** Where people open Powerdeck (origin: scheme, host, port); unset: see allowedOrigins in server.ts. */
  publicUrl?: string;
  /** Client connections at once: in all, and from one address. */
  connections: { max: number; perAddress: number };
  logLevel: RawConfig['LOG_LEVEL'];
  /** Prometheus metrics: the token GET /metrics asks for; null: off. */
  metrics: { token: string | null };
}

/** One role rule: the role, and the groups that grant it (`*`: anyone the provider signs in). */
export interface RoleRule {
  role: Role;
  groups: string[];
}

export interface SsoConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  groupsClaim: string;
  usernameClaim: string;
  /** Highest role first. */
  rules: RoleRule[];
  /** Lower case; null: any domain. */
  allowedDomains: string[] | null;
  providerName: string;
  /** `${POWERDECK_PUBLIC_URL}/api/sso/callback` */
  redirectUri: string;
  /** `${POWERDECK_PUBLIC_URL}/` */
  postLogoutRedirectUri: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Parses POWERDECK_OIDC_ROLE_RULES; answers the rules highest role first, or throws ConfigError. */
export function parseRoleRules(value: string): RoleRule[] {
  const byRole = new Map<Role, string[]>();
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const role = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(
        `POWERDECK_OIDC_ROLE_RULES names an unknown role ${JSON.stringify(role)}: use viewer, helpdesk or admin (e.g. admin=pd-admins;viewer=pd-viewers)`,
      );
    }
    const groups = (eq < 0 ? '' : part.slice(eq + 1))
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    if (groups.length === 0) {
      throw new ConfigError(
        `POWERDECK_OIDC_ROLE_RULES: the rule for ${role} names no group (e.g. ${role}=pd-${role}s)`,
      );
    }
    byRole.set(role as Role, [...(byRole.get(role as Role) ?? []), ...groups]);
  }
  if (byRole.size === 0) {
    throw new ConfigError(
      'POWERDECK_OIDC_ROLE_RULES must name at least one rule when single sign-on is on (e.g. admin=pd-admins;viewer=pd-viewers)',
    );
  }
  return [...ROLES]
    .reverse()
    .filter((r) => byRole.has(r))
    .map((role) => ({ role, groups: byRole.get(role)! }));
}

function ssoConfig(c: RawConfig, publicUrl: string | undefined): SsoConfig | undefined {
  const others = [
    'POWERDECK_OIDC_CLIENT_ID',
    'POWERDECK_OIDC_CLIENT_SECRET',
    'POWERDECK_OIDC_CLIENT_SECRET_FILE',
    'POWERDECK_OIDC_ROLE_RULES',
    'POWERDECK_OIDC_ALLOWED_DOMAINS',
  ] as const;
  if (c.POWERDECK_OIDC_ISSUER === undefined) {
    for (const k of others)
      if (c[k] !== undefined) throw new ConfigError(`POWERDECK_OIDC_ISSUER must be set when ${k} is set`);
    return undefined;
  }
  let issuer: URL;
  try {
    issuer = new URL(c.POWERDECK_OIDC_ISSUER);
  } catch {
    throw new ConfigError(
      `POWERDECK_OIDC_ISSUER must be ${describe('POWERDECK_OIDC_ISSUER')} (got ${JSON.stringify(c.POWERDECK_OIDC_ISSUER)})`,
    );
  }
  // OpenID Connect Discovery: the issuer is a URL with no query or fragment; credentials in it would be logged.
  if (issuer.search !== '' || issuer.hash !== '' || c.POWERDECK_OIDC_ISSUER.includes('#')) {
    throw new ConfigError(
      `POWERDECK_OIDC_ISSUER must be ${describe('POWERDECK_OIDC_ISSUER')}, with no query or fragment (got ${JSON.stringify(c.POWERDECK_OIDC_ISSUER)})`,
    );
  }
  if (issuer.username !== '' || issuer.password !== '') {
    throw new ConfigError(
      `POWERDECK_OIDC_ISSUER must be ${describe('POWERDECK_OIDC_ISSUER')}, with no user name or password in it`,
    );
  }
  if (issuer.protocol === 'http:' && !LOOPBACK_HOSTS.has(issuer.hostname)) {
    throw new ConfigError(
      `POWERDECK_OIDC_ISSUER must be an https URL (http is allowed only for 127.0.0.1, ::1 or localhost; got ${issuer.href})`,
    );
  }
  if (c.POWERDECK_OIDC_CLIENT_ID === undefined) {
    throw new ConfigError('POWERDECK_OIDC_CLIENT_ID must be set when POWERDECK_OIDC_ISSUER is set');
  }
  let secret = c.POWERDECK_OIDC_CLIENT_SECRET;
  if (c.POWERDECK_OIDC_CLIENT_SECRET_FILE !== undefined) {
    if (secret !== undefined) {
      throw new ConfigError(
        'POWERDECK_OIDC_CLIENT_SECRET and POWERDECK_OIDC_CLIENT_SECRET_FILE are exclusive: set one',
      );
    }
    try {
      secret = readFileSync(c.POWERDECK_OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
    } catch {
      throw new ConfigError(
        `POWERDECK_OIDC_CLIENT_SECRET_FILE must be ${describe('POWERDECK_OIDC_CLIENT_SECRET_FILE')} (cannot read ${c.POWERDECK_OIDC_CLIENT_SECRET_FILE})`,
      );
    }
    if (secret === '')
      throw new ConfigError(
        `POWERDECK_OIDC_CLIENT_SECRET_FILE ${c.POWERDECK_OIDC_CLIENT_SECRET_FILE} is empty`,
      );
  }
  if (secret === undefined) {
    throw new ConfigError(
      'POWERDECK_OIDC_CLIENT_SECRET (or POWERDECK_OIDC_CLIENT_SECRET_FILE) must be set when POWERDECK_OIDC_ISSUER is set',
    );
  }
  if (!c.POWERDECK_OIDC_SCOPES.split(' ').includes('openid')) {
    throw new ConfigError(
      `POWERDECK_OIDC_SCOPES must contain openid (got ${JSON.stringify(c.POWERDECK_OIDC_SCOPES)})`,
    );
  }
  if (c.POWERDECK_OIDC_ROLE_RULES === undefined) {
    throw new ConfigError(
      'POWERDECK_OIDC_ROLE_RULES must be set when POWERDECK_OIDC_ISSUER is set: which groups make an admin, a helpdesk, a viewer (e.g. admin=pd-admins;viewer=pd-viewers)',
    );
  }
  const rules = parseRoleRules(c.POWERDECK_OIDC_ROLE_RULES);
  if (publicUrl === undefined) {
    throw new ConfigError(
      'POWERDECK_PUBLIC_URL must be set when POWERDECK_OIDC_ISSUER is set: the redirect URI registered at the identity provider is <POWERDECK_PUBLIC_URL>/api/sso/callback',
    );
  }
  return {
    issuer: c.POWERDECK_OIDC_ISSUER,
    clientId: c.POWERDECK_OIDC_CLIENT_ID,
    clientSecret: secret,
    scopes: c.POWERDECK_OIDC_SCOPES,
    groupsClaim: c.POWERDECK_OIDC_GROUPS_CLAIM,
    usernameClaim: c.POWERDECK_OIDC_USERNAME_CLAIM,
    rules,
    allowedDomains:
      c.POWERDECK_OIDC_ALLOWED_DOMAINS === undefined
        ? null
        : c.POWERDECK_OIDC_ALLOWED_DOMAINS.split(',').map((d) => d.trim().toLowerCase()),
    providerName: c.POWERDECK_OIDC_PROVIDER_NAME,
    redirectUri: `${publicUrl}/api/sso/callback`,
    postLogoutRedirectUri: `${publicUrl}/`,
  };
}

/** The metrics scrape token, from POWERDECK_METRICS_TOKEN or the file POWERDECK_METRICS_TOKEN_FILE names; null: off. */
function metricsToken(c: RawConfig): string | null {
  const file = c.POWERDECK_METRICS_TOKEN_FILE;
  if (file === undefined) return c.POWERDECK_METRICS_TOKEN ?? null;
  if (c.POWERDECK_METRICS_TOKEN !== undefined) {
    throw new ConfigError('POWERDECK_METRICS_TOKEN and POWERDECK_METRICS_TOKEN_FILE are exclusive: set one');
  }
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    throw new ConfigError(
      `POWERDECK_METRICS_TOKEN_FILE must be ${describe('POWERDECK_METRICS_TOKEN_FILE')} (cannot read ${file})`,
    );
  }
  if (!new RegExp(METRICS_TOKEN_PATTERN).test(token)) {
    throw new ConfigError(
      `POWERDECK_METRICS_TOKEN_FILE must name a file holding a token of at least 16 characters without spaces, e.g. made with openssl rand -hex 32 (${file} holds ${token.length} characters${/\s/.test(token) ? ', with spaces' : ''}; not shown)`,
    );
  }
  return token;
}

/** Fastify's `trustProxy`: false, a hop count, or the proxies' addresses. */
export type TrustProxy = false | number | string[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Never echoed in messages. */
const SECRETS = new Set<string>([
  'VERGEOS_API_KEY',
  'VERGEOS_PASSWORD',
  'POWERDECK_DEMO_PASSWORD',
  // May hold the database password.
  'POWERDECK_DATABASE_URL',
  'POWERDECK_OIDC_CLIENT_SECRET',
  'POWERDECK_METRICS_TOKEN',
]);

const KEYS = Object.keys(ConfigSchema.properties) as (keyof RawConfig)[];

function describe(key: keyof RawConfig): string {
  const schema = ConfigSchema.properties[key] as { description?: string };
  return schema.description ?? 'a valid value';
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Null when the text holds one or more PEM certificates that parse; else what is wrong, for the message. */
function pemProblem(text: string): string | null {
  const blocks = text.match(PEM_CERT);
  if (!blocks) return 'has no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `has a certificate that cannot be read (number ${i + 1} of ${blocks.length})`;
    }
  }
  return null;
}

/** `false`, a hop count, or addresses; `true` (every hop believed: spoofable) is refused with what to set. */
function parseTrustProxy(value: string): TrustProxy {
  if (value === 'false') return false;
  if (/^[1-9]$/.test(value)) return Number(value);
  const addresses = value.split(',').map((a) => a.trim());
  for (const a of addresses) {
    const [ip, bits, extra] = a.split('/');
    const okIp = ip !== undefined && isIP(ip) !== 0;
    const max = ip !== undefined && isIP(ip) === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!okIp || !okBits || extra !== undefined) {
      throw new ConfigError(
        `POWERDECK_TRUST_PROXY must be ${describe('POWERDECK_TRUST_PROXY')} (got ${JSON.stringify(a)}: not an IP address or CIDR)`,
      );
    }
  }
  return addresses;
}

/** Reads the configuration from an environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') raw[key] = v.trim();
  }
  if (raw.POWERDECK_TRUST_PROXY === 'true') {
    throw new ConfigError(
      'POWERDECK_TRUST_PROXY=true would believe every X-Forwarded-For hop, which a client can forge: set the number of ' +
        'proxies in front of Powerdeck (1 for one nginx) or their addresses (e.g. 10.0.0.5 or 10.0.0.0/24)',
    );
  }
  // Value.Convert truncates "2.5" to 2 for an integer setting: a whole number is what was asked for, so anything
  // else is refused here, with the same message as any other bad value.
  for (const key of KEYS) {
    const schema = ConfigSchema.properties[key] as { type?: unknown };
    const v = raw[key];
    if (schema.type === 'integer' && typeof v === 'string' && !/^[+-]?\d+$/.test(v)) {
      const got = SECRETS.has(key) ? 'a value that is not shown' : JSON.stringify(env[key] ?? '');
      throw new ConfigError(`${key} must be ${describe(key)} (got ${got})`);
    }
  }
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const errors = Value.Errors(ConfigSchema, value);
  const first = errors[0];
  if (first) {
    const key = first.instancePath.replace(/^\//, '').split('/')[0] as keyof RawConfig | '';
    if (key) {
      const got = SECRETS.has(key) ? 'a value that is not shown' : JSON.stringify(env[key] ?? '');
      throw new ConfigError(`${key} must be ${describe(key)} (got ${got})`);
    }
    throw new ConfigError(`invalid configuration: ${first.message}`);
  }
  const c = value as RawConfig;

  if (c.VERGEOS_USERNAME !== undefined && c.VERGEOS_PASSWORD === undefined) {
    throw new ConfigError('VERGEOS_PASSWORD must be set when VERGEOS_USERNAME is set');
  }
  if (c.VERGEOS_PASSWORD !== undefined && c.VERGEOS_USERNAME === undefined) {
    throw new ConfigError('VERGEOS_USERNAME must be set when VERGEOS_PASSWORD is set');
  }
  for (const key of ['VERGEOS_CA_FILE', 'POWERDECK_DATABASE_CA_FILE', 'POWERDECK_ALERT_CA_FILE'] as const) {
    const file = c[key];
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new ConfigError(`${key} must be ${describe(key)} (cannot read ${file})`);
    }
    const problem = pemProblem(readFileSync(file, 'utf8'));
    if (problem !== null) throw new ConfigError(`${key} must be ${describe(key)} (${file} ${problem})`);
  }

  let database: Config['database'] = { kind: 'sqlite' };
  if (c.POWERDECK_DATABASE_URL !== undefined) {
    try {
      new URL(c.POWERDECK_DATABASE_URL);
    } catch {
      throw new ConfigError(
        `POWERDECK_DATABASE_URL must be ${describe('POWERDECK_DATABASE_URL')} (got a value that is not a URL; not shown)`,
      );
    }
    if (c.POWERDECK_AUDIT_KEY_FILE === undefined) {
      throw new ConfigError(
        'POWERDECK_AUDIT_KEY_FILE must be set when POWERDECK_DATABASE_URL is set: every server sharing the database ' +
          'keys the one audit chain with the same key (create it once, e.g. openssl rand -hex 32 > audit.key, and ' +
          'give each server a copy)',
      );
    }
    database = {
      kind: 'postgres',
      url: c.POWERDECK_DATABASE_URL,
      ...(c.POWERDECK_DATABASE_CA_FILE !== undefined
        ? { caFile: resolve(c.POWERDECK_DATABASE_CA_FILE) }
        : {}),
      poolSize: c.POWERDECK_DATABASE_POOL_SIZE,
    };
  } else if (c.POWERDECK_DATABASE_CA_FILE !== undefined) {
    throw new ConfigError('POWERDECK_DATABASE_URL must be set when POWERDECK_DATABASE_CA_FILE is set');
  }
  const renewMs = c.POWERDECK_LEASE_RENEW_MS ?? Math.floor(c.POWERDECK_LEASE_MS / 3);
  if (renewMs * 2 > c.POWERDECK_LEASE_MS) {
    throw new ConfigError(
      `POWERDECK_LEASE_RENEW_MS must be at most half of POWERDECK_LEASE_MS (${c.POWERDECK_LEASE_MS} ms), so that one ` +
        `late renewal does not lose the lease (got ${renewMs})`,
    );
  }

  const trustProxy = parseTrustProxy(c.POWERDECK_TRUST_PROXY);

  let vergeos: Config['vergeos'];
  if (c.VERGEOS_URL === undefined) {
    for (const k of ['VERGEOS_API_KEY', 'VERGEOS_USERNAME', 'VERGEOS_CA_FILE'] as const) {
      if (c[k] !== undefined) throw new ConfigError(`VERGEOS_URL must be set when ${k} is set`);
    }
    vergeos = {
      mode: 'embedded',
      vms: c.POWERDECK_DEMO_VMS,
      timeScale: c.POWERDECK_DEMO_TIME_SCALE,
      ...(c.POWERDECK_DEMO_PASSWORD !== undefined ? { demoPassword: c.POWERDECK_DEMO_PASSWORD } : {}),
    };
  } else {
    let auth: VergeosAuthConfig;
    if (c.VERGEOS_API_KEY !== undefined) {
      if (c.VERGEOS_USERNAME !== undefined) {
        throw new ConfigError(
          'VERGEOS_API_KEY and VERGEOS_USERNAME are exclusive: set one way to sign in to VergeOS',
        );
      }
      auth = { kind: 'apiKey', apiKey: c.VERGEOS_API_KEY };
    } else if (c.VERGEOS_USERNAME !== undefined && c.VERGEOS_PASSWORD !== undefined) {
      auth = { kind: 'basic', username: c.VERGEOS_USERNAME, password: c.VERGEOS_PASSWORD };
    } else {
      throw new ConfigError(
        'VERGEOS_API_KEY must be set when VERGEOS_URL is set (or VERGEOS_USERNAME and VERGEOS_PASSWORD for clusters before 26.0)',
      );
    }
    vergeos = {
      mode: 'remote',
      url: new URL(c.VERGEOS_URL).origin,
      auth,
      ...(c.VERGEOS_CA_FILE !== undefined ? { caFile: resolve(c.VERGEOS_CA_FILE) } : {}),
      insecureTls: c.VERGEOS_INSECURE_TLS === 'true',
    };
  }

  const dataDir = resolve(c.POWERDECK_DATA_DIR);
  const publicUrl = c.POWERDECK_PUBLIC_URL !== undefined ? new URL(c.POWERDECK_PUBLIC_URL).origin : undefined;
  const sso = ssoConfig(c, publicUrl);
  const metrics = { token: metricsToken(c) };
  return {
    port: c.PORT,
    host: c.HOST,
    vergeos,
    dataDir,
    database,
    cluster: {
      leaseMs: c.POWERDECK_LEASE_MS,
      renewMs,
      serverName: c.POWERDECK_SERVER_NAME ?? `${hostname()}:${c.PORT}`,
    },
    audit: {
      ...auditChainOptions(dataDir, c),
      anchorEveryRows: c.POWERDECK_AUDIT_ANCHOR_ROWS,
      anchorEveryMs: c.POWERDECK_AUDIT_ANCHOR_MINUTES * 60_000,
    },
    poll: {
      intervalMs: c.POWERDECK_POLL_INTERVAL_MS,
      fastIntervalMs: c.POWERDECK_FAST_POLL_INTERVAL_MS,
      fastWindowMs: c.POWERDECK_FAST_POLL_WINDOW_MS,
    },
    alerts: {
      unreachableAfterMs: c.POWERDECK_ALERT_UNREACHABLE_MINUTES * 60_000,
      ...(c.POWERDECK_ALERT_CA_FILE !== undefined ? { caFile: resolve(c.POWERDECK_ALERT_CA_FILE) } : {}),
    },
    operations: { parallelism: c.POWERDECK_OPS_PARALLELISM },
    proxy: { concurrency: c.POWERDECK_API_CONCURRENCY, ratePerMinute: c.POWERDECK_API_RATE_PER_MINUTE },
    auth: {
      idleTimeoutMs: c.POWERDECK_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxAgeMs: c.POWERDECK_SESSION_MAX_HOURS * 3600_000,
      trustProxy,
    },
    ...(sso !== undefined ? { sso } : {}),
    ...(c.POWERDECK_PUBLIC_URL !== undefined ? { publicUrl: new URL(c.POWERDECK_PUBLIC_URL).origin } : {}),
    connections: {
      max: c.POWERDECK_MAX_CONNECTIONS,
      perAddress: c.POWERDECK_MAX_CONNECTIONS_PER_ADDRESS,
    },
    logLevel: c.LOG_LEVEL,
    metrics,
  };
}
