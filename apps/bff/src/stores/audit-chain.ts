// The audit log's hash chain, independent of where rows are stored. Each row's hash covers its canonical
// form: the JSON array below, starting with the row's format, fields in this fixed order, every absent
// value as null, times as integer milliseconds, params as canonical JSON text, ending with the previous
// row's hash (64 zeros before the first row). Changing, inserting or removing a row breaks the chain at
// that row or the next; `verifyChain` names the first row where it breaks.
//
// Two formats, one chain:
// - powerdeck-audit-v2 (every row written now): the hash is HMAC-SHA256 under the audit key (a file
//   apart from the database, ./audit-key.ts). Without the key nobody can recompute a valid row, so
//   editing a row and rehashing the rest is seen.
// - powerdeck-audit-v1 (legacy, rows written before the key existed): plain SHA-256. Anyone can
//   recompute those, so on their own they only show accidents; once a keyed row follows them, its HMAC
//   covers their last hash, and so all of them.
// Legacy rows can only come first: an unkeyed row after a keyed one is a rewrite (a "downgrade").
// Neither format shows a cut-off tail, nor a rewrite by someone holding the key: the anchors
// (./audit-anchor.ts) do, and verifyChain checks the rows against them.
import type { AnchorFileRead } from './audit-anchor';
import type { AuditKey } from './audit-key';
import { StoreError } from './errors';
import { sha256Hex } from './secrets';
import { checkRole } from './validation';
import {
  AUDIT_AUTH_KINDS,
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditAnchor,
  type AuditInput,
  type AuditRecord,
  type AuditVerifyBasis,
  type AuditVerifyResult,
  type Json,
} from './types';

/** Plain SHA-256: the rows written before the chain was keyed. */
export const AUDIT_FORMAT_LEGACY = 'powerdeck-audit-v1';
/** HMAC-SHA256 under the audit key: every row written now. */
export const AUDIT_FORMAT = 'powerdeck-audit-v2';
export type AuditFormat = typeof AUDIT_FORMAT_LEGACY | typeof AUDIT_FORMAT;
export const GENESIS_HASH = '0'.repeat(64);

/** A row as stored (times in ms), with the format of its hash. */
export type StoredAuditRow = Omit<AuditRecord, 'at'> & { at: number; format: AuditFormat };

type AuditRowContent = Omit<StoredAuditRow, 'id' | 'at' | 'prevHash' | 'hash' | 'format'>;

/**
 * The canonical serialisation that is hashed. A schedule's id and name (added with schedules, issue 15) follow the
 * previous hash only when the row has them: rows without (every row written before them, and most rows since)
 * serialise exactly as before, so the chain of an existing log still holds; a row with them is covered like any
 * other field (removing them changes the serialisation, and so the hash).
 */
export function canonicalAuditRow(row: Omit<StoredAuditRow, 'hash'>): string {
  const schedule =
    row.scheduleId === null && row.scheduleName === null ? [] : [row.scheduleId, row.scheduleName];
  return JSON.stringify([
    row.format,
    row.id,
    row.at,
    row.kind,
    row.outcome,
    row.actor,
    row.role,
    row.authKind,
    row.source,
    row.userAgent,
    row.vmKey,
    row.vmName,
    row.action,
    row.params,
    row.reason,
    row.target,
    row.requestId,
    row.operationId,
    row.refId,
    row.vergeosStatus,
    row.vergeosMessage,
    row.latencyMs,
    row.prevHash,
    ...schedule,
  ]);
}

/** The row's hash in its format: plain SHA-256 (legacy) or HMAC-SHA256 under the key. */
export function auditRowHash(row: Omit<StoredAuditRow, 'hash'>, key: AuditKey | null): string {
  if (row.format === AUDIT_FORMAT_LEGACY) return sha256Hex(canonicalAuditRow(row));
  if (key === null) throw new StoreError('invalid', 'a keyed audit row needs the audit key');
  return key.mac(canonicalAuditRow(row));
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
function canonicalJson(value: Json): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new StoreError('invalid', 'audit params must be JSON (no NaN or Infinity)');
  }
  return value;
}

const LIMITS = {
  actor: 128,
  source: 100,
  userAgent: 512,
  vmName: 256,
  action: 64,
  reason: 1000,
  target: 200,
  requestId: 128,
  operationId: 128,
  scheduleId: 128,
  scheduleName: 200,
  vergeosMessage: 2000,
} as const;
const PARAMS_MAX = 8192;

/** Half of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function text(value: string | null | undefined, max: number): string | null {
  if (value === undefined || value === null) return null;
  // The hash covers the text as it will read back: a lone surrogate (UTF-8 cannot carry it, so the database would
  // store something else) and NUL (PostgreSQL refuses it in text) become U+FFFD first, on both backends. Otherwise a
  // name tried at sign-in could make its own row fail to verify, or fail to be written.
  const s = String(value).replace(LONE_SURROGATE, '\ufffd').replace(/\0/g, '\ufffd');
  if (s.length <= max) return s;
  // Over-long values are cut, not refused: the attempt must be recorded all the same. The cut never splits a pair.
  const end = /[\ud800-\udbff]/.test(s.charAt(max - 2)) ? max - 2 : max - 1;
  return `${s.slice(0, end)}…`;
}

function integer(name: string, value: number | null | undefined, min = 0): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isFinite(value)) throw new StoreError('invalid', `audit ${name} must be a number`);
  const n = Math.round(value);
  if (!Number.isSafeInteger(n) || n < min) throw new StoreError('invalid', `audit ${name} is out of range`);
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], value: unknown): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new StoreError('invalid', `audit ${name} must be one of ${allowed.join(', ')}`);
}

/** Checks and normalises an input into the stored fields (everything but id, time and hashes). */
export function auditContent(input: AuditInput): AuditRowContent {
  let params: string | null = null;
  if (input.params !== undefined) {
    params = canonicalJson(input.params);
    if (params.length > PARAMS_MAX) {
      throw new StoreError('invalid', `audit params must be at most ${PARAMS_MAX} characters of JSON`);
    }
  }
  return {
    kind: oneOf('kind', AUDIT_KINDS, input.kind),
    outcome: oneOf('outcome', AUDIT_OUTCOMES, input.outcome),
    actor: text(input.actor, LIMITS.actor),
    role: input.role === undefined || input.role === null ? null : checkRole(input.role),
    authKind:
      input.authKind === undefined || input.authKind === null
        ? null
        : oneOf('authKind', AUDIT_AUTH_KINDS, input.authKind),
    source: text(input.source, LIMITS.source),
    userAgent: text(input.userAgent, LIMITS.userAgent),
    vmKey: integer('vmKey', input.vmKey),
    vmName: text(input.vmName, LIMITS.vmName),
    action: text(input.action, LIMITS.action),
    params,
    reason: text(input.reason, LIMITS.reason),
    target: text(input.target, LIMITS.target),
    requestId: text(input.requestId, LIMITS.requestId),
    operationId: text(input.operationId, LIMITS.operationId),
    scheduleId: text(input.scheduleId, LIMITS.scheduleId),
    scheduleName: text(input.scheduleName, LIMITS.scheduleName),
    refId: integer('refId', input.refId, 1),
    vergeosStatus: integer('vergeosStatus', input.vergeosStatus),
    vergeosMessage: text(input.vergeosMessage, LIMITS.vergeosMessage),
    latencyMs: integer('latencyMs', input.latencyMs),
  };
}

/** The next row of the chain (always keyed): its id, time and hashes added to the content. */
export function chainRow(
  content: AuditRowContent,
  id: number,
  at: number,
  prevHash: string,
  key: AuditKey,
): StoredAuditRow {
  const row = { id, at, ...content, prevHash, format: AUDIT_FORMAT as AuditFormat };
  return { ...row, hash: auditRowHash(row, key) };
}

/** What verifyChain checks the rows with: the key (or why there is none) and the anchor file. */
interface ChainCheck {
  key: AuditKey | null;
  keyFile: string;
  /** Why there is no key (shown when a keyed row needs one). */
  keyProblem: string | null;
  /** The anchor file as read before the rows were (null: no anchor file configured). */
  anchors: AnchorFileRead | null;
}

/** How the reason begins when keyed rows could not be checked (no key, or not the right one). */
export const CANNOT_VERIFY = 'cannot verify keyed rows without the key';

const short = (hash: string) => hash.slice(0, 12);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Walks rows in id order and checks, for each: ids follow one another from 1; legacy rows come first
 * (and, when anchored, exactly as many as the anchors say); the hash is the hash of the row's canonical
 * form (keyed rows with the key); prev_hash is the hash of the row before (zeros for the first); and
 * every anchored row still has its anchored hash. Then, that no anchored row is missing (a cut tail).
 *
 * Read the anchors *before* the rows: an anchor only names committed rows, so every anchor read first is
 * in a snapshot of the rows taken after, even while the server appends and anchors.
 */
export function verifyChain(rows: Iterable<StoredAuditRow>, check: ChainCheck): AuditVerifyResult {
  const walk = walkChain(check);
  if ('verdict' in walk) return walk.verdict;
  for (const row of rows) {
    const broken = walk.step(row);
    if (broken !== null) return broken;
  }
  return walk.end();
}

/** verifyChain over rows read a batch at a time (PostgreSQL); stops reading at the first broken row. */
export async function verifyChainAsync(
  rows: AsyncIterable<StoredAuditRow>,
  check: ChainCheck,
): Promise<AuditVerifyResult> {
  const walk = walkChain(check);
  if ('verdict' in walk) return walk.verdict;
  for await (const row of rows) {
    const broken = walk.step(row);
    if (broken !== null) return broken;
  }
  return walk.end();
}

/** The walk over the rows, one at a time: `step` answers the verdict when a row breaks the chain, else null. */
type ChainWalk =
  | { verdict: AuditVerifyResult }
  | { step(row: StoredAuditRow): AuditVerifyResult | null; end(): AuditVerifyResult };

/** The checks of verifyChain; the anchors alone may settle the verdict before any row is read. */
function walkChain(check: ChainCheck): ChainWalk {
  const { key } = check;
  const anchorFile = check.anchors;
  const anchors = anchorFile?.anchors ?? [];
  const latest = anchors.at(-1) ?? null;
  let count = 0;
  let legacy = 0;
  let keyed = 0;
  let prevId = 0;
  let prevHash = GENESIS_HASH;
  const basis = (): AuditVerifyBasis => ({
    rows: count,
    legacyRows: legacy,
    keyedRows: keyed,
    lastHash: count === 0 ? null : prevHash,
    key: { file: check.keyFile, fingerprint: key?.fingerprint ?? null },
    anchors: {
      file: anchorFile?.file ?? null,
      exists: anchorFile?.exists ?? false,
      count: anchors.length,
      latest,
    },
  });
  const broken = (brokenId: number | null, reason: string): AuditVerifyResult => ({
    ok: false,
    ...basis(),
    brokenId,
    reason,
  });

  if (anchorFile?.otherKey) {
    return {
      verdict: broken(
        null,
        `${CANNOT_VERIFY}: the key in ${check.keyFile} (fingerprint ${key?.fingerprint}) ` +
          `is not the one the log was anchored with (fingerprint ${anchorFile.otherKey})`,
      ),
    };
  }
  if (anchorFile?.problem) {
    return { verdict: broken(null, `the anchors cannot be trusted: ${anchorFile.problem}`) };
  }

  // Anchored hashes by row count (= the id of the anchored row), the most rows anchored, and where the
  // legacy rows end (every anchor records it; they all agree unless the file was tampered with).
  const anchoredAt = new Map<number, AuditAnchor>();
  let furthest: AuditAnchor | null = null;
  for (const a of anchors) {
    if (a.rows > 0 && !anchoredAt.has(a.rows)) anchoredAt.set(a.rows, a);
    if (furthest === null || a.rows > furthest.rows) furthest = a;
    if (latest !== null && a.legacyRows !== latest.legacyRows) {
      return {
        verdict: broken(null, 'the anchors cannot be trusted: they disagree on where the legacy rows end'),
      };
    }
  }
  const legacyEnd = latest?.legacyRows ?? null;
  let lastGood = 0;

  const step = (row: StoredAuditRow): AuditVerifyResult | null => {
    count += 1;
    if (row.id !== prevId + 1) {
      return broken(
        row.id,
        prevId === 0
          ? `the log starts at row ${row.id}, not 1: earlier rows were removed`
          : `row ${row.id} follows row ${prevId}: the rows between were removed`,
      );
    }
    if (row.format === AUDIT_FORMAT_LEGACY) {
      if (keyed > 0) {
        return broken(
          row.id,
          `row ${row.id} is unkeyed (plain SHA-256) but follows keyed rows: it was rehashed without the key`,
        );
      }
      if (legacyEnd !== null && row.id > legacyEnd) {
        return broken(
          row.id,
          `row ${row.id} is unkeyed (plain SHA-256), but the anchors say keying began after row ${legacyEnd}: it was rehashed without the key`,
        );
      }
      legacy += 1;
    } else {
      if (legacyEnd !== null && row.id <= legacyEnd) {
        return broken(
          row.id,
          `row ${row.id} is keyed, but the anchors say rows up to ${legacyEnd} were written unkeyed: it was rewritten`,
        );
      }
      if (key === null) {
        return broken(
          row.id,
          `${CANNOT_VERIFY}: ${check.keyProblem ?? `no key file at ${check.keyFile}`}` +
            (legacy > 0 ? ` (the ${plural(legacy, 'legacy row')} before row ${row.id} hold)` : ''),
        );
      }
      keyed += 1;
    }
    if (auditRowHash(row, key) !== row.hash) {
      return broken(
        row.id,
        row.format === AUDIT_FORMAT && keyed === 1 && anchors.length === 0
          ? `row ${row.id} does not match its keyed hash: it was changed after it was written, or the key (fingerprint ${key?.fingerprint}) is not the one it was written with`
          : `row ${row.id} does not match its hash: it was changed after it was written`,
      );
    }
    if (row.prevHash !== prevHash) {
      return broken(
        row.id,
        prevId === 0
          ? `row ${row.id} does not start the chain (its prev_hash is not the genesis hash)`
          : `row ${row.id} does not link to row ${prevId} (prev_hash differs): row ${prevId} was changed or replaced`,
      );
    }
    const anchor = anchoredAt.get(row.id);
    if (anchor !== undefined) {
      if (anchor.hash !== row.hash) {
        return broken(
          row.id,
          `row ${row.id} is not the row anchored at ${anchor.at} (anchored hash ${short(anchor.hash)}, now ${short(row.hash)}): ` +
            `the chain was rewritten after row ${lastGood}, and every hash after recomputed`,
        );
      }
      lastGood = row.id;
    }
    prevId = row.id;
    prevHash = row.hash;
    return null;
  };

  const end = (): AuditVerifyResult => {
    if (furthest !== null && furthest.rows > count) {
      const missing = furthest.rows - count;
      return broken(
        count + 1,
        `the log was cut: ${plural(missing, 'row')} after row ${count} ${missing === 1 ? 'is' : 'are'} missing ` +
          `(the anchor of ${furthest.at} recorded ${plural(furthest.rows, 'row')}, last hash ${short(furthest.hash)})`,
      );
    }
    return { ok: true, ...basis() };
  };
  return { step, end };
}
