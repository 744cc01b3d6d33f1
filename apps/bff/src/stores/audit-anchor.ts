// Anchors of the audit chain, independent of where rows are stored. An anchor is the chain's head (row
// count, last hash, legacy rows) at a time, signed with the audit key and appended as one JSON line to a
// file apart from the database, and logged. A keyed chain alone cannot show a cut-off tail (the rows left
// still verify) nor a chain rewritten by someone who has the key; the anchors can: `verify` checks that
// every anchored row is still there with the anchored hash (see verifyChain in ./audit-chain.ts).
//
// The server writes one at start, after every `everyRows` rows it appends, every `everyMs` when the head
// moved (rows the CLIs append included) and at shutdown. What lies after the last anchor can still be cut
// unseen: the window is at most `everyRows` rows or `everyMs` of time.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditKey } from './audit-key';
import type { AuditAnchor, AuditHead, AuditRecord, AuditStore, Clock } from './types';

const ANCHOR_FORMAT = 'powerdeck-audit-anchor-v1';
const REASONS: readonly AuditAnchor['reason'][] = ['start', 'rows', 'interval', 'shutdown'];
const HASH = /^[0-9a-f]{64}$/;

function anchorMac(key: AuditKey, a: Omit<AuditAnchor, 'mac'>): string {
  return key.mac(JSON.stringify([ANCHOR_FORMAT, a.at, a.reason, a.rows, a.hash, a.legacyRows, a.key]));
}

/** A signed anchor of a head. */
function makeAnchor(key: AuditKey, head: AuditHead, at: number, reason: AuditAnchor['reason']): AuditAnchor {
  const fields = {
    at: new Date(at).toISOString(),
    reason,
    rows: head.rows,
    hash: head.hash,
    legacyRows: head.legacyRows,
    key: key.fingerprint,
  };
  return { ...fields, mac: anchorMac(key, fields) };
}

/**
 * Appends one anchor as one line with one write to a file opened for appending, then syncs it: lines
 * from several writers never interleave, and a crash leaves at worst an unterminated last line, which
 * readers ignore.
 */
function appendAnchor(file: string, anchor: AuditAnchor): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ v: 1, ...anchor })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface AnchorFileRead {
  file: string;
  exists: boolean;
  /** Valid anchors, in file order. */
  anchors: AuditAnchor[];
  /** The first line that is not a valid anchor (with the key, when there is one), or null. */
  problem: string | null;
  /** When that line is signed with another key than the one given: that key's fingerprint. */
  otherKey: string | null;
}

function parseAnchor(line: string): AuditAnchor | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (
    o.v !== 1 ||
    typeof o.at !== 'string' ||
    Number.isNaN(Date.parse(o.at)) ||
    !REASONS.includes(o.reason as AuditAnchor['reason']) ||
    !count(o.rows) ||
    !count(o.legacyRows) ||
    (o.legacyRows as number) > (o.rows as number) ||
    typeof o.hash !== 'string' ||
    !HASH.test(o.hash) ||
    typeof o.key !== 'string' ||
    typeof o.mac !== 'string'
  ) {
    return null;
  }
  return {
    at: o.at,
    reason: o.reason as AuditAnchor['reason'],
    rows: o.rows as number,
    hash: o.hash,
    legacyRows: o.legacyRows as number,
    key: o.key,
    mac: o.mac,
  };
}

/**
 * Reads every anchor of a file. With a key, each must be signed with it: a line that is not (forged, or
 * written with another key) is the file's problem, and reading stops there. Without a key the lines are
 * only parsed. An unterminated last line (a write under way, or cut by a crash) is left out.
 */
export function readAnchors(file: string, key: AuditKey | null): AnchorFileRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { file, exists: false, anchors: [], problem: null, otherKey: null };
    }
    return {
      file,
      exists: true,
      anchors: [],
      problem: `cannot read the anchor file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      otherKey: null,
    };
  }
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or an unterminated line
  const anchors: AuditAnchor[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const a = parseAnchor(line);
    const where = `line ${i + 1} of the anchor file`;
    if (a === null)
      return { file, exists: true, anchors, problem: `${where} is not an anchor`, otherKey: null };
    if (key !== null) {
      if (a.key !== key.fingerprint) {
        return {
          file,
          exists: true,
          anchors,
          problem: `${where} was signed with another key (fingerprint ${a.key}, not ${key.fingerprint})`,
          otherKey: a.key,
        };
      }
      if (a.mac !== anchorMac(key, a)) {
        return {
          file,
          exists: true,
          anchors,
          problem: `${where} does not match its signature: it was forged or changed`,
          otherKey: null,
        };
      }
    }
    anchors.push(a);
  }
  return { file, exists: true, anchors, problem: null, otherKey: null };
}

interface AuditAnchorerOptions {
  store: Pick<AuditStore, 'head'>;
  key: AuditKey;
  file: string;
  /** Anchor after this many rows since the last anchor (1 or more). */
  everyRows: number;
  /** Anchor this often when the head moved, in ms (0: never on a timer). */
  everyMs: number;
  now?: Clock;
}

/** Writes anchors: at start, every N rows, every M ms when the head moved, and at close. */
export class AuditAnchorer {
  private readonly options: AuditAnchorerOptions;
  private readonly now: Clock;
  private last: AuditAnchor | null = null;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private log: (anchor: AuditAnchor) => void = () => {};
  private fail: (err: unknown) => void = () => {};

  constructor(options: AuditAnchorerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes the start anchor and starts the timer. `log` is called with each anchor written (the server logs
   * it: a second copy where the database's writer cannot reach); `fail` when one could not be written.
   */
  async start(log: (anchor: AuditAnchor) => void, fail: (err: unknown) => void): Promise<AuditAnchor> {
    this.log = log;
    this.fail = fail;
    // The first one is not swallowed: an anchor file that cannot be written stops start-up.
    const anchor = await this.write('start');
    if (this.options.everyMs > 0) {
      this.timer = setInterval(() => {
        void this.anchor('interval', true);
      }, this.options.everyMs);
      this.timer.unref();
    }
    return anchor;
  }

  /** After an append: anchors when `everyRows` rows were added since the last anchor. */
  async appended(row: Pick<AuditRecord, 'id'>): Promise<void> {
    if (this.closed) return;
    if (row.id - (this.last?.rows ?? 0) >= this.options.everyRows) await this.anchor('rows', true);
  }

  /** Writes the shutdown anchor and stops the timer; no anchor is written after. */
  async close(): Promise<void> {
    if (this.closed) return this.queue;
    clearInterval(this.timer);
    await this.anchor('shutdown', false);
    this.closed = true;
  }

  /** Queued behind any anchor under way; with `onlyIfMoved`, skipped when the head is the last anchor's. */
  private anchor(reason: AuditAnchor['reason'], onlyIfMoved: boolean): Promise<void> {
    const run = async () => {
      if (this.closed) return;
      const head = await this.options.store.head();
      if (onlyIfMoved && this.last !== null && head.rows === this.last.rows) return;
      // A count reached by another writer's rows may already be anchored by a concurrent append's turn.
      if (reason === 'rows' && this.last !== null && head.rows - this.last.rows < this.options.everyRows)
        return;
      this.writeHead(head, reason);
    };
    this.queue = this.queue.then(run).catch((err: unknown) => this.fail(err));
    return this.queue;
  }

  private async write(reason: AuditAnchor['reason']): Promise<AuditAnchor> {
    const head = await this.options.store.head();
    return this.writeHead(head, reason);
  }

  private writeHead(head: AuditHead, reason: AuditAnchor['reason']): AuditAnchor {
    const anchor = makeAnchor(this.options.key, head, this.now(), reason);
    appendAnchor(this.options.file, anchor);
    this.last = anchor;
    this.log(anchor);
    return anchor;
  }
}

/**
 * A quick look at start-up (no walk of the chain): is the row of the furthest anchor still there, with its
 * anchored hash? Returns what is wrong, or null. `npm run audit -- verify` checks every row and anchor.
 */
export async function checkAgainstAnchors(
  store: Pick<AuditStore, 'head' | 'get'>,
  read: AnchorFileRead,
): Promise<string | null> {
  if (read.problem !== null) return `the anchor file ${read.file} cannot be trusted: ${read.problem}`;
  let furthest: AuditAnchor | null = null;
  for (const a of read.anchors) if (furthest === null || a.rows > furthest.rows) furthest = a;
  if (furthest === null || furthest.rows === 0) return null;
  const head = await store.head();
  if (head.rows < furthest.rows) {
    const missing = furthest.rows - head.rows;
    return `the audit log was cut: ${missing} row${missing === 1 ? '' : 's'} after row ${head.rows} missing (anchored ${furthest.rows} at ${furthest.at})`;
  }
  const row = await store.get(furthest.rows);
  if (row?.hash !== furthest.hash) {
    return `row ${furthest.rows} of the audit log is not the row anchored at ${furthest.at}: the chain was rewritten`;
  }
  return null;
}

/** The store with its appends reported to the anchorer (everything else passes through). */
export function anchoredAuditStore(store: AuditStore, anchorer: AuditAnchorer): AuditStore {
  return {
    async append(input) {
      const row = await store.append(input);
      // The row is committed whatever happens to the anchor; a failed anchor is reported, not thrown.
      await anchorer.appended(row);
      return row;
    },
    get: (id) => store.get(id),
    query: (q) => store.query(q),
    powerAttempts: (vmKey, limit) => store.powerAttempts(vmKey, limit),
    outcomesOf: (refIds) => store.outcomesOf(refIds),
    lastAcceptedStop: (vmKey, from) => store.lastAcceptedStop(vmKey, from),
    head: () => store.head(),
    verify: () => store.verify(),
  };
}
