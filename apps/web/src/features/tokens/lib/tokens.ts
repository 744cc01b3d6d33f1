// Personal access tokens in words: whether one still works at a given time, which roles a person may give a new
// one (up to their own), how long it may last, and how a script uses it. Pure, tested in test/tokens-*.test.ts.
import { ROLES, roleRank, type Role } from '@powerdeck/contracts/roles';

type TokenStatus = 'active' | 'expired' | 'revoked';

export const TOKEN_STATUS_LABELS: Readonly<Record<TokenStatus, string>> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** Revoked wins over expired; a token whose expiry is now or past (or unreadable) has expired. */
export function tokenStatus(
  token: { expiresAt: string; revokedAt: string | null },
  nowMs: number,
): TokenStatus {
  if (token.revokedAt !== null) return 'revoked';
  const expires = Date.parse(token.expiresAt);
  return Number.isFinite(expires) && expires > nowMs ? 'active' : 'expired';
}

/** The roles a new token may have: up to the creator's own, lowest first. */
export function rolesOffered(own: Role): Role[] {
  return ROLES.filter((r) => roleRank(r) <= roleRank(own));
}

/** How long a new token may last, in days (the BFF takes 1 to 366). */
export const EXPIRY_CHOICES = [7, 30, 90, 365] as const;
export const DEFAULT_EXPIRY_DAYS = 30;

/** A line a script can start from: the VM list through this server's VergeOS-compatible routes. */
export function curlExample(token: string, origin: string): string {
  return `curl -H "Authorization: Bearer ${token}" ${origin.replace(/\/+$/, '')}/api/v4/vms`;
}
