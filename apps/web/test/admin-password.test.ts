import { describe, expect, it } from 'vitest';
import {
  generatePassword,
  GENERATED_LENGTH,
  PASSWORD_ALPHABET,
  passwordProblem,
  type RandomFill,
} from '../src/features/admin/lib/password';

describe('the password generator', () => {
  it('makes 20 characters from the alphabet', () => {
    for (let i = 0; i < 50; i++) {
      const pw = generatePassword();
      expect(pw).toHaveLength(GENERATED_LENGTH);
      expect(GENERATED_LENGTH).toBe(20);
      for (const c of pw) expect(PASSWORD_ALPHABET).toContain(c);
      expect(passwordProblem(pw)).toBeNull();
    }
  });

  it('has no look-alike characters', () => {
    for (const c of '0O1lI') expect(PASSWORD_ALPHABET).not.toContain(c);
    expect(new Set(PASSWORD_ALPHABET).size).toBe(PASSWORD_ALPHABET.length);
  });

  it('differs each time', () => {
    const seen = new Set(Array.from({ length: 100 }, () => generatePassword()));
    expect(seen.size).toBe(100);
  });

  it('draws again rather than favour the first characters', () => {
    const n = PASSWORD_ALPHABET.length;
    const limit = 256 - (256 % n);
    // A source that gives bytes past the limit first: they must be skipped, not folded onto the alphabet.
    const fill: RandomFill = (bytes) => {
      bytes.forEach((_, i) => (bytes[i] = i % 2 === 0 ? 255 : (i >> 1) % n));
      return bytes;
    };
    expect(limit).toBeLessThan(256);
    expect(generatePassword(5, fill)).toBe(PASSWORD_ALPHABET.slice(0, 5));
  });

  it('takes any length', () => {
    expect(generatePassword(64)).toHaveLength(64);
    expect(generatePassword(1)).toHaveLength(1);
  });
});

describe('password rules', () => {
  it('needs at least 12 characters', () => {
    expect(passwordProblem('')).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(11))).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(12))).toBeNull();
    expect(passwordProblem('x'.repeat(1025))).toMatch(/at most/);
  });
});
