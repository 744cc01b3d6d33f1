// The box alert targets' secrets are sealed in: what it seals opens again with the same key only; each seal looks
// different (a fresh IV), so equal secrets are not seen to be equal; another key, an altered text or something not
// sealed here is refused with words that hold no part of the secret.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../src/alerts/secret-box';

const SECRET = { url: 'https://hooks.slack.com/services/T000/B000/very-secret-path' };

describe('SecretBox', () => {
  it('opens what it sealed; two seals of the same secret differ and show nothing of it', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal(SECRET);
    const b = box.seal(SECRET);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    for (const text of [a, b]) {
      expect(text).not.toContain('very-secret-path');
      expect(box.open(text)).toEqual(SECRET);
    }
  });

  it('refuses a text sealed with another key, altered, or not sealed here, without echoing it', () => {
    const key = randomBytes(32);
    const sealed = new SecretBox(key).seal(SECRET);
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(sealed)).toThrow(SecretBoxError);
    expect(() => other.open(sealed)).toThrow(/sealed with another key .* or altered/);

    const box = new SecretBox(key);
    const [v, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow(/or altered/);
    const otherTag = Buffer.from(tag, 'base64url');
    otherTag[3] = otherTag[3]! ^ 0x80;
    expect(() => box.open([v, iv, otherTag.toString('base64url'), body].join('.'))).toThrow(/or altered/);
    expect(() => box.open(['v2', iv, tag, body].join('.'))).toThrow(/not in the v1 sealed format/);
    expect(() => box.open(SECRET.url)).toThrow(SecretBoxError);
    expect(() => box.open(SECRET.url)).not.toThrow(/very-secret-path/);
    expect(() => box.open(`v1.${iv}.${tag}`)).toThrow(SecretBoxError);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/must be 32 bytes \(got 16\)/);
    // Each random box has its own key.
    expect(() => SecretBox.random().open(SecretBox.random().seal({}))).toThrow(SecretBoxError);
  });
});
