import { describe, expect, it } from 'vitest';
import { displayUrl, linkStatus } from '../src/features/admin/lib/display-links';
import { usernameProblem, userStatusLabel } from '../src/features/admin/lib/users';

describe('user names', () => {
  it('follow the BFF rule', () => {
    expect(usernameProblem('alice')).toBeNull();
    expect(usernameProblem('ops.team-2_b')).toBeNull();
    expect(usernameProblem('')).toMatch(/Enter/);
    expect(usernameProblem('has space')).toMatch(/letters/);
    expect(usernameProblem('élise')).toMatch(/letters/);
    expect(usernameProblem('x'.repeat(64))).toBeNull();
    expect(usernameProblem('x'.repeat(65))).toMatch(/64/);
  });

  it('a status in words', () => {
    expect(userStatusLabel(false)).toBe('Enabled');
    expect(userStatusLabel(true)).toBe('Disabled');
  });
});

describe('display links', () => {
  it('are active until revoked', () => {
    expect(linkStatus({ revokedAt: null })).toBe('active');
    expect(linkStatus({ revokedAt: '2026-01-01T00:00:00.000Z' })).toBe('revoked');
  });

  it('open at this server with the secret in the fragment', () => {
    expect(displayUrl('https://pd.example:8443', '/display#abc')).toBe('https://pd.example:8443/display#abc');
    expect(displayUrl('http://127.0.0.1:8080/', '/display#s')).toBe('http://127.0.0.1:8080/display#s');
    expect(displayUrl('http://h', 'display#s')).toBe('http://h/display#s');
  });
});
