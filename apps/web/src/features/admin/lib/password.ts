// Passwords an admin sets for someone: at least 12 characters (the BFF's rule), and a generator for a random one
// the admin can pass on. Pure (the random source is injectable), tested in test/admin-password.test.ts.

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;
export const GENERATED_LENGTH = 20;

/** Letters and digits without the look-alikes (0/O, 1/l/I), so a password read out or retyped survives. */
export const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Fills the array with random bytes and returns it (crypto.getRandomValues). */
export type RandomFill = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array;

const cryptoFill: RandomFill = (bytes) => crypto.getRandomValues(bytes);

/**
 * A random password of `length` characters from PASSWORD_ALPHABET, each equally likely (bytes that would favour
 * the first characters are drawn again). 20 characters of 56 are about 116 bits.
 */
export function generatePassword(length = GENERATED_LENGTH, fill: RandomFill = cryptoFill): string {
  const n = PASSWORD_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < length) {
    for (const b of fill(new Uint8Array(length * 2))) {
      if (b >= limit) continue;
      out += PASSWORD_ALPHABET[b % n];
      if (out.length === length) break;
    }
  }
  return out;
}

/** What is wrong with a new password, in words, or null when it will do. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return null;
}
