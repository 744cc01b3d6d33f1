import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '@powerdeck/vergeos-sim';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('defaults to the embedded simulator on 127.0.0.1:8080', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.vergeos).toEqual({ mode: 'embedded', vms: 24, timeScale: 1 });
    expect(c.poll).toEqual({ intervalMs: 5000, fastIntervalMs: 1000, fastWindowMs: 60_000 });
    expect(c.dataDir).toMatch(/data$/);
    expect(c.proxy).toEqual({ concurrency: 8, ratePerMinute: 300 });
    expect(c.audit).toEqual({
      keyFile: join(c.dataDir, 'audit.key'),
      createKey: true,
      anchorFile: join(c.dataDir, 'audit-anchors.jsonl'),
      anchorEveryRows: 100,
      anchorEveryMs: 5 * 60_000,
    });
  });

  it('takes the audit key file (never generated then), the anchor file and how often to anchor', () => {
    const c = loadConfig({
      POWERDECK_DATA_DIR: '/srv/powerdeck',
      POWERDECK_AUDIT_KEY_FILE: '/etc/powerdeck/audit.key',
      POWERDECK_AUDIT_ANCHOR_FILE: '/var/log/powerdeck/anchors.jsonl',
      POWERDECK_AUDIT_ANCHOR_ROWS: '1',
      POWERDECK_AUDIT_ANCHOR_MINUTES: '60',
    });
    expect(c.audit).toEqual({
      keyFile: '/etc/powerdeck/audit.key',
      createKey: false,
      anchorFile: '/var/log/powerdeck/anchors.jsonl',
      anchorEveryRows: 1,
      anchorEveryMs: 3_600_000,
    });
    expect(() => loadConfig({ POWERDECK_AUDIT_ANCHOR_ROWS: '0' })).toThrow(
      /^POWERDECK_AUDIT_ANCHOR_ROWS must be how many audit rows between anchors, from 1 to 1000000 \(got "0"\)$/,
    );
    expect(() => loadConfig({ POWERDECK_AUDIT_ANCHOR_MINUTES: 'often' })).toThrow(
      /^POWERDECK_AUDIT_ANCHOR_MINUTES must be/,
    );
  });

  it('reads how long VergeOS may be silent before an alert, in whole minutes from 1 to 1440', () => {
    expect(loadConfig({}).alerts).toEqual({ unreachableAfterMs: 5 * 60_000 });
    expect(loadConfig({ POWERDECK_ALERT_UNREACHABLE_MINUTES: '1' }).alerts).toEqual({
      unreachableAfterMs: 60_000,
    });
    expect(loadConfig({ POWERDECK_ALERT_UNREACHABLE_MINUTES: ' 1440 ' }).alerts).toEqual({
      unreachableAfterMs: 1440 * 60_000,
    });
    for (const bad of ['0', '1441', '2.5', '-5', 'soon']) {
      expect(() => loadConfig({ POWERDECK_ALERT_UNREACHABLE_MINUTES: bad })).toThrow(
        new ConfigError(
          'POWERDECK_ALERT_UNREACHABLE_MINUTES must be whole minutes without an answer from VergeOS before alerting ' +
            `that it is unreachable, from 1 to 1440 (got ${JSON.stringify(bad)})`,
        ),
      );
    }
  });

  it('reads the limits per person or token on the VergeOS routes', () => {
    const c = loadConfig({ POWERDECK_API_CONCURRENCY: '32', POWERDECK_API_RATE_PER_MINUTE: '6000' });
    expect(c.proxy).toEqual({ concurrency: 32, ratePerMinute: 6000 });
  });

  it('reads a real VergeOS with an API key', () => {
    const c = loadConfig({
      VERGEOS_URL: 'https://vergeos.example.com/',
      VERGEOS_API_KEY: 'k',
      PORT: '9000',
      HOST: '0.0.0.0',
    });
    expect(c.port).toBe(9000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicUrl).toBeUndefined();
    expect(c.connections).toEqual({ max: 2000, perAddress: 200 });
    expect(
      loadConfig({
        POWERDECK_PUBLIC_URL: 'HTTPS://PD.example.com:443/',
        POWERDECK_MAX_CONNECTIONS_PER_ADDRESS: '50',
      }),
    ).toMatchObject({ publicUrl: 'https://pd.example.com', connections: { max: 2000, perAddress: 50 } });
    expect(c.vergeos).toEqual({
      mode: 'remote',
      url: 'https://vergeos.example.com',
      auth: { kind: 'apiKey', apiKey: 'k' },
      insecureTls: false,
    });
  });

  it('takes a login for clusters before 26.0, a pinned CA, and insecure TLS', async () => {
    // A real CA certificate: the one a TLS simulator makes.
    const sim = await createSimulator({ tls: true });
    const ca = sim.caFile!;
    onTestFinished(() => sim.close());
    const c = loadConfig({
      VERGEOS_URL: 'https://10.0.0.5/api/v4',
      VERGEOS_USERNAME: 'admin',
      VERGEOS_PASSWORD: 'secret',
      VERGEOS_CA_FILE: ca,
    });
    expect(c.vergeos).toMatchObject({
      url: 'https://10.0.0.5',
      auth: { kind: 'basic', username: 'admin', password: 'secret' },
      caFile: ca,
    });
    const insecure = loadConfig({
      VERGEOS_URL: 'https://h',
      VERGEOS_API_KEY: 'k',
      VERGEOS_INSECURE_TLS: 'true',
    });
    expect(insecure.vergeos).toMatchObject({ insecureTls: true });
  });

  it('refuses a CA file that holds no readable PEM certificate, naming the variable (not a later TLS error)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-config-'));
    const cases: [string, RegExp][] = [
      ['pem', /has no PEM certificate/],
      [
        '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
        /cannot be read \(number 1 of 1\)/,
      ],
      [Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02]).toString('latin1'), /has no PEM certificate/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const file = join(dir, `ca${i}.pem`);
      writeFileSync(file, text);
      expect(() =>
        loadConfig({ VERGEOS_URL: 'https://h', VERGEOS_API_KEY: 'k', VERGEOS_CA_FILE: file }),
      ).toThrow(new RegExp(`^VERGEOS_CA_FILE must be the path of a readable PEM file .*${message.source}`));
    }
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['PORT not a number', { PORT: 'eighty' }, /^PORT must be a TCP port from 0 to 65535 \(got "eighty"\)$/],
    ['PORT out of range', { PORT: '70000' }, /^PORT must be a TCP port/],
    [
      'URL not http(s)',
      { VERGEOS_URL: 'ftp://h', VERGEOS_API_KEY: 'k' },
      /^VERGEOS_URL must be the VergeOS address/,
    ],
    ['URL with credentials', { VERGEOS_URL: 'https://u:p@h', VERGEOS_API_KEY: 'k' }, /^VERGEOS_URL must be/],
    [
      'URL with another path',
      { VERGEOS_URL: 'https://h/other', VERGEOS_API_KEY: 'k' },
      /^VERGEOS_URL must be/,
    ],
    [
      'URL without a key',
      { VERGEOS_URL: 'https://h' },
      /^VERGEOS_API_KEY must be set when VERGEOS_URL is set/,
    ],
    ['key without URL', { VERGEOS_API_KEY: 'k' }, /^VERGEOS_URL must be set when VERGEOS_API_KEY is set/],
    [
      'user without password',
      { VERGEOS_URL: 'https://h', VERGEOS_USERNAME: 'u' },
      /^VERGEOS_PASSWORD must be set/,
    ],
    [
      'key and user',
      { VERGEOS_URL: 'https://h', VERGEOS_API_KEY: 'k', VERGEOS_USERNAME: 'u', VERGEOS_PASSWORD: 'p' },
      /exclusive/,
    ],
    [
      'CA file missing',
      { VERGEOS_URL: 'https://h', VERGEOS_API_KEY: 'k', VERGEOS_CA_FILE: '/nope/ca.pem' },
      /^VERGEOS_CA_FILE must be .*cannot read \/nope\/ca.pem/,
    ],
    [
      'insecure not a boolean',
      { VERGEOS_INSECURE_TLS: 'yes' },
      /^VERGEOS_INSECURE_TLS must be true or false/,
    ],
    ['poll too fast', { POWERDECK_POLL_INTERVAL_MS: '10' }, /^POWERDECK_POLL_INTERVAL_MS must be/],
    [
      'public URL without a scheme',
      { POWERDECK_PUBLIC_URL: 'pd.example.com' },
      /^POWERDECK_PUBLIC_URL must be the address people open/,
    ],
    [
      'public URL with a path',
      { POWERDECK_PUBLIC_URL: 'https://pd.example.com/app' },
      /^POWERDECK_PUBLIC_URL must be/,
    ],
    [
      'trust proxy true',
      { POWERDECK_TRUST_PROXY: 'true' },
      /^POWERDECK_TRUST_PROXY=true would believe every X-Forwarded-For hop/,
    ],
    [
      'trust proxy bad CIDR',
      { POWERDECK_TRUST_PROXY: '10.0.0.0/33' },
      /^POWERDECK_TRUST_PROXY must be .*not an IP address or CIDR/,
    ],
    ['too few connections', { POWERDECK_MAX_CONNECTIONS: '5' }, /^POWERDECK_MAX_CONNECTIONS must be/],
    [
      'no request open at once',
      { POWERDECK_API_CONCURRENCY: '0' },
      /^POWERDECK_API_CONCURRENCY must be how many requests .* from 1 to 256 \(got "0"\)$/,
    ],
    [
      'a rate that is not a number',
      { POWERDECK_API_RATE_PER_MINUTE: 'lots' },
      /^POWERDECK_API_RATE_PER_MINUTE must be how many requests .* from 1 to 1000000 \(got "lots"\)$/,
    ],
    ['log level', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [
      'demo password too short',
      { POWERDECK_DEMO_PASSWORD: 'short-pw' },
      /^POWERDECK_DEMO_PASSWORD must be .*at least 12 characters \(got a value that is not shown\)$/,
    ],
  ];

  it.each(bad)('%s: stops with a message naming the variable', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('keeps SQLite unless a PostgreSQL URL is set, and then wants the shared audit key named', () => {
    const lite = loadConfig({});
    expect(lite.database).toEqual({ kind: 'sqlite' });
    expect(lite.cluster).toEqual({
      leaseMs: 10_000,
      renewMs: 3333,
      serverName: expect.stringMatching(/:8080$/),
    });

    const url = 'postgres://powerdeck:s3cret-pw@db.example.com:5432/powerdeck';
    expect(() => loadConfig({ POWERDECK_DATABASE_URL: url })).toThrow(
      /^POWERDECK_AUDIT_KEY_FILE must be set when POWERDECK_DATABASE_URL is set: every server/,
    );
    const pg = loadConfig({
      POWERDECK_DATABASE_URL: url,
      POWERDECK_AUDIT_KEY_FILE: '/etc/powerdeck/audit.key',
      POWERDECK_DATABASE_POOL_SIZE: '20',
      POWERDECK_LEASE_MS: '3000',
      POWERDECK_SERVER_NAME: 'pd-2',
    });
    expect(pg.database).toEqual({ kind: 'postgres', url, poolSize: 20 });
    expect(pg.cluster).toEqual({ leaseMs: 3000, renewMs: 1000, serverName: 'pd-2' });
  });

  it('refuses a database URL that is not PostgreSQL, a CA file without one, and a renewal slower than half the lease', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    const message = bad({ POWERDECK_DATABASE_URL: 'mysql://root:hunter2-secret@db/powerdeck' });
    expect(message).toMatch(/^POWERDECK_DATABASE_URL must be a PostgreSQL URL/);
    expect(message).not.toContain('hunter2');
    expect(bad({ POWERDECK_DATABASE_CA_FILE: '/nonexistent/ca.pem' })).toMatch(
      /^POWERDECK_DATABASE_CA_FILE must be the path of a readable PEM file .*cannot read/,
    );
    expect(bad({ POWERDECK_LEASE_MS: '4000', POWERDECK_LEASE_RENEW_MS: '2500' })).toMatch(
      /^POWERDECK_LEASE_RENEW_MS must be at most half of POWERDECK_LEASE_MS \(4000 ms\)/,
    );
    expect(bad({ POWERDECK_SERVER_NAME: 'has spaces' })).toMatch(/^POWERDECK_SERVER_NAME must be/);
  });

  describe('single sign-on (POWERDECK_OIDC_*) and the absolute session limit', () => {
    const SSO = {
      POWERDECK_OIDC_ISSUER: 'https://login.example.com/tenant/v2.0',
      POWERDECK_OIDC_CLIENT_ID: 'powerdeck',
      POWERDECK_OIDC_CLIENT_SECRET: 'client-secret-value',
      POWERDECK_OIDC_ROLE_RULES: 'viewer=pd-viewers;admin=pd-admins,ops-leads',
      POWERDECK_PUBLIC_URL: 'https://pd.example.com',
    };
    /** The message of the ConfigError loadConfig throws for `env`. */
    const refusal = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    const without = (key: keyof typeof SSO) => {
      const env: Record<string, string> = { ...SSO };
      delete env[key];
      return env;
    };

    it('is off by default; a session ends after 12 hours however active', () => {
      const c = loadConfig({});
      expect(c.sso).toBeUndefined();
      expect(c.auth.sessionMaxAgeMs).toBe(12 * 3600_000);
      expect(loadConfig({ POWERDECK_SESSION_MAX_HOURS: '1' }).auth.sessionMaxAgeMs).toBe(3600_000);
      expect(loadConfig({ POWERDECK_SESSION_MAX_HOURS: '720' }).auth.sessionMaxAgeMs).toBe(720 * 3600_000);
    });

    it('refuses a session limit that is not a whole number of hours from 1 to 720', () => {
      for (const v of ['0', '721', 'forever', '-3', 'twelve hours']) {
        expect(refusal({ POWERDECK_SESSION_MAX_HOURS: v })).toBe(
          `POWERDECK_SESSION_MAX_HOURS must be hours after which a person's session ends however active (password or single sign-on), from 1 to 720 (got ${JSON.stringify(v)})`,
        );
      }
    });

    it('reads the issuer, client, rules (highest role first) and the defaults of the rest', () => {
      const c = loadConfig(SSO);
      expect(c.sso).toEqual({
        issuer: 'https://login.example.com/tenant/v2.0',
        clientId: 'powerdeck',
        clientSecret: 'client-secret-value',
        scopes: 'openid profile email',
        groupsClaim: 'groups',
        usernameClaim: 'preferred_username',
        rules: [
          { role: 'admin', groups: ['pd-admins', 'ops-leads'] },
          { role: 'viewer', groups: ['pd-viewers'] },
        ],
        allowedDomains: null,
        providerName: 'single sign-on',
        redirectUri: 'https://pd.example.com/api/sso/callback',
        postLogoutRedirectUri: 'https://pd.example.com/',
      });
    });

    it('takes every optional setting, the secret from a file, and an http issuer on a loopback host', () => {
      const dir = mkdtempSync(join(tmpdir(), 'pd-config-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'client-secret');
      writeFileSync(file, 'from-a-file\n');
      const c = loadConfig({
        ...without('POWERDECK_OIDC_CLIENT_SECRET'),
        POWERDECK_OIDC_CLIENT_SECRET_FILE: file,
        POWERDECK_OIDC_SCOPES: 'openid email offline_access',
        POWERDECK_OIDC_GROUPS_CLAIM: 'roles',
        POWERDECK_OIDC_USERNAME_CLAIM: 'email',
        POWERDECK_OIDC_ROLE_RULES: ' Helpdesk = pd-helpdesk ; viewer=* ; helpdesk=ops ',
        POWERDECK_OIDC_ALLOWED_DOMAINS: 'Example.com, example.org',
        POWERDECK_OIDC_PROVIDER_NAME: 'Contoso Entra ID',
        POWERDECK_PUBLIC_URL: 'https://PD.example.com:8443/',
      });
      expect(c.sso).toMatchObject({
        clientSecret: 'from-a-file',
        scopes: 'openid email offline_access',
        groupsClaim: 'roles',
        usernameClaim: 'email',
        rules: [
          { role: 'helpdesk', groups: ['pd-helpdesk', 'ops'] },
          { role: 'viewer', groups: ['*'] },
        ],
        allowedDomains: ['example.com', 'example.org'],
        providerName: 'Contoso Entra ID',
        redirectUri: 'https://pd.example.com:8443/api/sso/callback',
        postLogoutRedirectUri: 'https://pd.example.com:8443/',
      });
      for (const issuer of [
        'http://127.0.0.1:9000',
        'http://localhost:9000/realms/pd',
        'http://[::1]:9000',
      ]) {
        expect(loadConfig({ ...SSO, POWERDECK_OIDC_ISSUER: issuer }).sso?.issuer).toBe(issuer);
      }
    });

    const refused: [string, Record<string, string>, RegExp][] = [
      [
        'an http issuer elsewhere than loopback',
        { ...SSO, POWERDECK_OIDC_ISSUER: 'http://login.example.com/tenant' },
        /^POWERDECK_OIDC_ISSUER must be an https URL \(http is allowed only for 127\.0\.0\.1, ::1 or localhost; got http:\/\/login\.example\.com\/tenant\)$/,
      ],
      [
        'an issuer that is not a URL',
        { ...SSO, POWERDECK_OIDC_ISSUER: 'login.example.com' },
        /^POWERDECK_OIDC_ISSUER must be the OpenID Connect issuer URL, https .*\(got "login\.example\.com"\)$/,
      ],
      [
        'an issuer with a query',
        { ...SSO, POWERDECK_OIDC_ISSUER: 'https://login.example.com/t?x=1' },
        /^POWERDECK_OIDC_ISSUER must be .*no query or fragment/,
      ],
      [
        'an issuer with credentials',
        { ...SSO, POWERDECK_OIDC_ISSUER: 'https://u:p@login.example.com/t' },
        /^POWERDECK_OIDC_ISSUER must be .*no user name or password/,
      ],
      [
        'no client id',
        without('POWERDECK_OIDC_CLIENT_ID'),
        /^POWERDECK_OIDC_CLIENT_ID must be set when POWERDECK_OIDC_ISSUER is set$/,
      ],
      [
        'neither a secret nor a secret file',
        without('POWERDECK_OIDC_CLIENT_SECRET'),
        /^POWERDECK_OIDC_CLIENT_SECRET \(or POWERDECK_OIDC_CLIENT_SECRET_FILE\) must be set when POWERDECK_OIDC_ISSUER is set$/,
      ],
      [
        'both a secret and a secret file',
        { ...SSO, POWERDECK_OIDC_CLIENT_SECRET_FILE: '/etc/hostname' },
        /^POWERDECK_OIDC_CLIENT_SECRET and POWERDECK_OIDC_CLIENT_SECRET_FILE are exclusive: set one$/,
      ],
      [
        'a secret file that cannot be read',
        {
          ...without('POWERDECK_OIDC_CLIENT_SECRET'),
          POWERDECK_OIDC_CLIENT_SECRET_FILE: '/nonexistent/client-secret',
        },
        /^POWERDECK_OIDC_CLIENT_SECRET_FILE must be the path of a readable file .*\(cannot read \/nonexistent\/client-secret\)$/,
      ],
      [
        'an empty secret file',
        {
          ...without('POWERDECK_OIDC_CLIENT_SECRET'),
          POWERDECK_OIDC_CLIENT_SECRET_FILE: '/dev/null',
        },
        /^POWERDECK_OIDC_CLIENT_SECRET_FILE \/dev\/null is empty$/,
      ],
      [
        'scopes without openid',
        { ...SSO, POWERDECK_OIDC_SCOPES: 'profile email' },
        /^POWERDECK_OIDC_SCOPES must contain openid \(got "profile email"\)$/,
      ],
      [
        'scopes separated by commas',
        { ...SSO, POWERDECK_OIDC_SCOPES: 'openid,profile' },
        /^POWERDECK_OIDC_SCOPES must contain openid/,
      ],
      [
        'a groups claim with spaces',
        { ...SSO, POWERDECK_OIDC_GROUPS_CLAIM: 'my groups' },
        /^POWERDECK_OIDC_GROUPS_CLAIM must be the ID token claim that lists the groups/,
      ],
      [
        'a user name claim with spaces',
        { ...SSO, POWERDECK_OIDC_USERNAME_CLAIM: 'user name' },
        /^POWERDECK_OIDC_USERNAME_CLAIM must be the ID token claim that holds the user name/,
      ],
      [
        'no rules',
        without('POWERDECK_OIDC_ROLE_RULES'),
        /^POWERDECK_OIDC_ROLE_RULES must be set when POWERDECK_OIDC_ISSUER is set: which groups make/,
      ],
      [
        'rules that are only separators',
        { ...SSO, POWERDECK_OIDC_ROLE_RULES: ' ; ; ' },
        /^POWERDECK_OIDC_ROLE_RULES must name at least one rule when single sign-on is on/,
      ],
      [
        'a rule naming an unknown role',
        { ...SSO, POWERDECK_OIDC_ROLE_RULES: 'admin=pd-admins;operator=pd-ops' },
        /^POWERDECK_OIDC_ROLE_RULES names an unknown role "operator": use viewer, helpdesk or admin/,
      ],
      [
        'a rule naming no group',
        { ...SSO, POWERDECK_OIDC_ROLE_RULES: 'admin=pd-admins;viewer=' },
        /^POWERDECK_OIDC_ROLE_RULES: the rule for viewer names no group/,
      ],
      [
        'a rule without =',
        { ...SSO, POWERDECK_OIDC_ROLE_RULES: 'admin' },
        /^POWERDECK_OIDC_ROLE_RULES: the rule for admin names no group/,
      ],
      [
        'allowed domains that are not domains',
        { ...SSO, POWERDECK_OIDC_ALLOWED_DOMAINS: 'example.com;example.org' },
        /^POWERDECK_OIDC_ALLOWED_DOMAINS must be e-mail domains allowed to sign in/,
      ],
      [
        'a provider name too long for the button',
        { ...SSO, POWERDECK_OIDC_PROVIDER_NAME: 'x'.repeat(61) },
        /^POWERDECK_OIDC_PROVIDER_NAME must be the name on the sign-in button/,
      ],
      [
        'no public URL',
        without('POWERDECK_PUBLIC_URL'),
        /^POWERDECK_PUBLIC_URL must be set when POWERDECK_OIDC_ISSUER is set: the redirect URI registered at the identity provider is <POWERDECK_PUBLIC_URL>\/api\/sso\/callback$/,
      ],
      ...(
        [
          'POWERDECK_OIDC_CLIENT_ID',
          'POWERDECK_OIDC_CLIENT_SECRET',
          'POWERDECK_OIDC_CLIENT_SECRET_FILE',
          'POWERDECK_OIDC_ROLE_RULES',
          'POWERDECK_OIDC_ALLOWED_DOMAINS',
        ] as const
      ).map((key): [string, Record<string, string>, RegExp] => [
        `${key} without an issuer`,
        { [key]: key === 'POWERDECK_OIDC_ALLOWED_DOMAINS' ? 'example.com' : 'x' },
        new RegExp(`^POWERDECK_OIDC_ISSUER must be set when ${key} is set$`),
      ]),
    ];

    it.each(refused)('refuses %s, naming the variable', (_name, env, message) => {
      expect(refusal(env)).toMatch(message);
    });

    it('never shows the client secret in a message', () => {
      for (const env of [
        { ...SSO, POWERDECK_OIDC_CLIENT_SECRET_FILE: '/etc/hostname' },
        { ...SSO, POWERDECK_OIDC_SCOPES: 'profile' },
        { ...SSO, POWERDECK_OIDC_ROLE_RULES: 'root=everyone' },
      ]) {
        expect(refusal(env)).not.toContain('client-secret-value');
      }
    });
  });

  it('never puts a secret in its messages', () => {
    try {
      loadConfig({
        VERGEOS_URL: 'https://h',
        VERGEOS_API_KEY: 'top-secret',
        VERGEOS_USERNAME: 'u',
        VERGEOS_PASSWORD: 'pw-secret',
      });
    } catch (e) {
      expect(String(e)).not.toContain('top-secret');
      expect(String(e)).not.toContain('pw-secret');
    }
  });
});
