import { describe, expect, it } from 'vitest';
import {
  curlExample,
  DEFAULT_EXPIRY_DAYS,
  EXPIRY_CHOICES,
  rolesOffered,
  tokenStatus,
} from '../src/features/tokens/lib/tokens';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

describe('token status at a given time', () => {
  it('is active until it expires', () => {
    expect(tokenStatus({ expiresAt: '2026-03-01T12:00:01.000Z', revokedAt: null }, NOW)).toBe('active');
    expect(tokenStatus({ expiresAt: '2026-03-01T12:00:00.000Z', revokedAt: null }, NOW)).toBe('expired');
    expect(tokenStatus({ expiresAt: '2026-02-01T00:00:00.000Z', revokedAt: null }, NOW)).toBe('expired');
  });

  it('revoked wins over expired and over active', () => {
    expect(
      tokenStatus({ expiresAt: '2027-01-01T00:00:00.000Z', revokedAt: '2026-02-01T00:00:00.000Z' }, NOW),
    ).toBe('revoked');
    expect(
      tokenStatus({ expiresAt: '2026-01-01T00:00:00.000Z', revokedAt: '2025-12-01T00:00:00.000Z' }, NOW),
    ).toBe('revoked');
  });

  it('an unreadable expiry counts as expired', () => {
    expect(tokenStatus({ expiresAt: 'never', revokedAt: null }, NOW)).toBe('expired');
  });
});

describe('roles offered for a new token', () => {
  it('are those up to the creator’s own', () => {
    expect(rolesOffered('viewer')).toEqual(['viewer']);
    expect(rolesOffered('helpdesk')).toEqual(['viewer', 'helpdesk']);
    expect(rolesOffered('admin')).toEqual(['viewer', 'helpdesk', 'admin']);
  });
});

describe('expiry choices', () => {
  it('are within what the BFF takes, and include the default', () => {
    expect([...EXPIRY_CHOICES]).toEqual([7, 30, 90, 365]);
    for (const d of EXPIRY_CHOICES) expect(d >= 1 && d <= 366).toBe(true);
    expect(EXPIRY_CHOICES).toContain(DEFAULT_EXPIRY_DAYS);
  });
});

describe('the example', () => {
  it('calls the VM list with the token, at this server', () => {
    expect(curlExample('pd_abc', 'https://pd.example')).toBe(
      'curl -H "Authorization: Bearer pd_abc" https://pd.example/api/v4/vms',
    );
    expect(curlExample('t', 'http://127.0.0.1:8080/')).toBe(
      'curl -H "Authorization: Bearer t" http://127.0.0.1:8080/api/v4/vms',
    );
  });
});
