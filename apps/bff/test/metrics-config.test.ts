// The scrape token's configuration: POWERDECK_METRICS_TOKEN or POWERDECK_METRICS_TOKEN_FILE (one of the two), at
// least 16 characters without spaces; off when neither is set. A bad value stops start-up with a message naming the
// variable, and the token itself is never in a message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const TOKEN = 'f3a9c1e07b2d4c58a6e1';

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pd-metrics-config-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'metrics.token');
  writeFileSync(file, content);
  return file;
}

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted it');
}

describe('the metrics token', () => {
  it('is off (null) when neither variable is set', () => {
    expect(loadConfig({}).metrics).toEqual({ token: null });
  });

  it('is read from POWERDECK_METRICS_TOKEN, or from the file POWERDECK_METRICS_TOKEN_FILE names (trimmed)', () => {
    expect(loadConfig({ POWERDECK_METRICS_TOKEN: TOKEN }).metrics).toEqual({ token: TOKEN });
    const file = tempFile(`${TOKEN}\n`);
    expect(loadConfig({ POWERDECK_METRICS_TOKEN_FILE: file }).metrics).toEqual({ token: TOKEN });
  });

  it('refuses a short token or one with spaces, naming the variable and never showing the value', () => {
    for (const value of ['short-token', 'sixteen chars ok here']) {
      const message = refusal({ POWERDECK_METRICS_TOKEN: value });
      expect(message).toMatch(/^POWERDECK_METRICS_TOKEN must be .*at least 16 characters without spaces/);
      expect(message).toContain('(got a value that is not shown)');
      expect(message).not.toContain(value);
    }
  });

  it('refuses both variables at once, an unreadable file, and a file whose token is too short', () => {
    const file = tempFile(TOKEN);
    expect(refusal({ POWERDECK_METRICS_TOKEN: TOKEN, POWERDECK_METRICS_TOKEN_FILE: file })).toBe(
      'POWERDECK_METRICS_TOKEN and POWERDECK_METRICS_TOKEN_FILE are exclusive: set one',
    );
    expect(refusal({ POWERDECK_METRICS_TOKEN_FILE: '/nonexistent/metrics.token' })).toMatch(
      /^POWERDECK_METRICS_TOKEN_FILE must be the path of a readable file .*\(cannot read \/nonexistent\/metrics\.token\)$/,
    );
    const short = tempFile('0123456789\n');
    const message = refusal({ POWERDECK_METRICS_TOKEN_FILE: short });
    expect(message).toMatch(
      /^POWERDECK_METRICS_TOKEN_FILE must name a file holding a token of at least 16 characters/,
    );
    expect(message).toContain('holds 10 characters');
    expect(message).not.toContain('0123456789');
    expect(refusal({ POWERDECK_METRICS_TOKEN_FILE: tempFile('') })).toContain('holds 0 characters');
  });
});
