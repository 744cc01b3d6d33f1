// Random credentials and their hashes. Session ids, display-link secrets and access tokens carry
// 256 random bits, so a plain SHA-256 of them is safe to store (no salt or slow hash is needed:
// there is nothing to guess); passwords are another matter and go through argon2id (users store).
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'pd_';
export const DISPLAY_PREFIX = 'pdd_';

/** 32 random bytes as base64url: 43 characters. */
export function randomSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

const SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Whether a presented credential has the shape `randomSecret(prefix)` makes (cheap early refusal). */
export function looksLikeSecret(value: unknown, prefix = ''): value is string {
  return typeof value === 'string' && value.startsWith(prefix) && SHAPE.test(value.slice(prefix.length));
}

/** Milliseconds to the ISO 8601 form used in records. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
