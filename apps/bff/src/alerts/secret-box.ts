// Alert targets' secrets (a webhook's signing secret, a Slack or Teams webhook URL, an SMTP password) are stored
// sealed: AES-256-GCM under a 32-byte key, a fresh random 12-byte IV each time, so that whoever reads the database (a
// backup, a copy of the file) learns nothing of them and cannot alter one unnoticed. The server derives the key from
// the audit key (server.ts: HMAC of a fixed label), so servers sharing a database and its audit key file derive the
// same one and no new file has to be kept; tests give a random key.
// Sealed text: `v1.<iv>.<tag>.<ciphertext>`, each part base64url; the version lets a later format (or key) coexist.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;
/** What a sealed text is bound to (GCM's additional data): a text sealed for something else does not open here. */
const AAD = Buffer.from('powerdeck-alert-secrets-v1', 'utf8');

/** A sealed text that cannot be opened: another key, or altered. Its message never holds any part of the secret. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) {
      throw new SecretBoxError(
        `the alert secrets' key must be ${SECRET_KEY_BYTES} bytes (got ${key.length})`,
      );
    }
    this.#key = Buffer.from(key);
  }

  /** A key for tests and for a server that never restarts with its data (random, kept nowhere). */
  static random(): SecretBox {
    return new SecretBox(randomBytes(SECRET_KEY_BYTES));
  }

  /** The JSON of `value`, sealed. */
  seal(value: Readonly<Record<string, unknown>>): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The object `seal` was given; throws SecretBoxError for a text of another key, altered, or not sealed here. */
  open(text: string): Record<string, unknown> {
    const parts = text.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SecretBoxError(`the stored alert secret is not in the ${VERSION} sealed format`);
    }
    const [iv, tag, body] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('the stored alert secret is damaged (its IV or tag has the wrong length)');
    }
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(AAD);
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'the stored alert secret cannot be opened: it was sealed with another key (was the audit key file ' +
          'replaced?) or altered; enter the secret again on the alert target',
      );
    }
    const value: unknown = JSON.parse(plain);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SecretBoxError('the stored alert secret is not an object');
    }
    return value as Record<string, unknown>;
  }
}
