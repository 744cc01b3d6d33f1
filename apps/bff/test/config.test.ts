import { mkdtempSync, writeFileSync } from 'node:fs';
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
