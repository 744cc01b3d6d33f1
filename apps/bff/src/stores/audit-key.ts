// The key of the audit chain: a secret in a file apart from the database, with which each row's hash
// is an HMAC-SHA256 (format powerdeck-audit-v2, see ./audit-chain.ts). Whoever can write the database
// but cannot read this file cannot recompute a valid chain after changing a row.
//
// The server and the CLIs find it the same way: POWERDECK_AUDIT_KEY_FILE, else `audit.key` in the
// data directory, generated (32 random bytes as hex, mode 0600) when it is missing and the log has no
// keyed rows yet. The key never leaves this module: not in a log, a message or JSON; only its
// fingerprint (an HMAC of a fixed text under the key, 16 hex digits) is shown.
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inspect } from 'node:util';

const AUDIT_KEY_FILE_NAME = 'audit.key';
const AUDIT_ANCHOR_FILE_NAME = 'audit-anchors.jsonl';
/** The shortest key a key file may hold, in characters (a generated key has 64 hex digits). */
const AUDIT_KEY_MIN_LENGTH = 32;

export class AuditKey {
  readonly #secret: Buffer;
  /** 16 hex digits that name the key without revealing it. */
  readonly fingerprint: string;

  constructor(
    /** Where it was read from. */
    readonly file: string,
    secret: Buffer,
  ) {
    this.#secret = Buffer.from(secret);
    this.fingerprint = this.mac('powerdeck-audit-key-fingerprint').slice(0, 16);
  }

  /** HMAC-SHA256 of a text under the key, hex. */
  mac(text: string): string {
    return createHmac('sha256', this.#secret).update(text, 'utf8').digest('hex');
  }

  toJSON(): { file: string; fingerprint: string } {
    return { file: this.file, fingerprint: this.fingerprint };
  }

  [inspect.custom](): string {
    return `AuditKey(${this.file}, fingerprint ${this.fingerprint})`;
  }
}

/** Where the audit key and anchors are, and whether a missing key may be generated. */
export interface AuditChainOptions {
  keyFile: string;
  /** Generate the key file when it is missing and the log has no keyed rows (the default place only). */
  createKey: boolean;
  /** The append-only anchor file (./audit-anchor.ts); null: none. */
  anchorFile: string | null;
}

/**
 * The one way the server and the CLIs find the key and the anchor file: the variables when set (a set
 * key file is never generated: it must exist), else `audit.key` and `audit-anchors.jsonl` in the data
 * directory.
 */
export function auditChainOptions(
  dataDir: string,
  env: { POWERDECK_AUDIT_KEY_FILE?: string | undefined; POWERDECK_AUDIT_ANCHOR_FILE?: string | undefined },
): AuditChainOptions & { anchorFile: string } {
  const keyFile = env.POWERDECK_AUDIT_KEY_FILE?.trim();
  const anchorFile = env.POWERDECK_AUDIT_ANCHOR_FILE?.trim();
  return {
    keyFile: resolve(keyFile ? keyFile : join(dataDir, AUDIT_KEY_FILE_NAME)),
    createKey: !keyFile,
    anchorFile: resolve(anchorFile ? anchorFile : join(dataDir, AUDIT_ANCHOR_FILE_NAME)),
  };
}

/** The key as found (or not) when the stores open. */
export interface AuditKeyState {
  key: AuditKey | null;
  keyFile: string;
  /** The file was generated just now. */
  created: boolean;
  /** Why there is no key (safe to show: never the key). */
  problem: string | null;
  /** Something to log about a key that works (a file others may read). */
  warning: string | null;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Reads a key file; throws a message-safe Error when it is unreadable or too short. Null when missing. */
function readKeyFile(file: string): { key: AuditKey; warning: string | null } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw new Error(`cannot read the audit key file ${file} (${errno(err) ?? 'error'})`, { cause: err });
  }
  if (text.length < AUDIT_KEY_MIN_LENGTH) {
    throw new Error(
      `the audit key file ${file} must hold at least ${AUDIT_KEY_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`,
    );
  }
  let warning: string | null = null;
  if (process.platform !== 'win32') {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      warning = `the audit key file ${file} may be read by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`;
    }
  }
  return { key: new AuditKey(file, Buffer.from(text, 'utf8')), warning };
}

/** Writes a new random key, failing if the file appeared meanwhile (another process made it). */
function createKeyFile(file: string): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Loads the key. When the file is missing it is generated only if `createKey` and the log has no keyed
 * rows: a new key could not verify them, and rows chained with it would not verify either.
 */
export function openAuditKey(options: AuditChainOptions, logHasKeyedRows: boolean): AuditKeyState {
  const keyFile = options.keyFile;
  const none = (problem: string): AuditKeyState => ({
    key: null,
    keyFile,
    created: false,
    problem,
    warning: null,
  });
  try {
    let found = readKeyFile(keyFile);
    let created = false;
    if (found === null) {
      if (logHasKeyedRows) {
        return none(
          `no key file at ${keyFile}, and the audit log has keyed rows: restore the key file it was written with`,
        );
      }
      if (!options.createKey) return none(`no key file at ${keyFile}`);
      created = createKeyFile(keyFile);
      found = readKeyFile(keyFile);
      if (found === null) return none(`no key file at ${keyFile}`);
    }
    return { key: found.key, keyFile, created, problem: null, warning: found.warning };
  } catch (err) {
    return none(err instanceof Error ? err.message : String(err));
  }
}
