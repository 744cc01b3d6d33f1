// Admin CLI for the audit log: `npm run audit -- verify` checks the hash chain with the audit key and
// against the anchor file, says what it checked against, and names the first broken row (exit 1 when
// broken or when keyed rows cannot be checked); `npm run audit -- export [--csv] [filters]` prints rows,
// oldest first, as JSON lines or CSV. Neither writes anything: a missing key file is never generated here.
//
// The log is where the server keeps it: in PostgreSQL when POWERDECK_DATABASE_URL is set (with
// POWERDECK_DATABASE_CA_FILE, as the server reads them; the URL is never printed), else in SQLite in the data
// directory. On PostgreSQL nothing is created or migrated: a database no server has started on yet has no log.
import { createPool } from '../db/postgres';
import { CANNOT_VERIFY } from '../stores/audit-chain';
import { exportAuditCsv } from '../stores/audit-csv';
import type { AuditChainOptions } from '../stores/audit-key';
import { PgAuditStore } from '../stores/postgres/audit';
import { openSqliteStores } from '../stores/sqlite/open';
import {
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditFilter,
  type AuditKind,
  type AuditOutcome,
  type AuditVerifyResult,
  type KeyedAuditStore,
} from '../stores/types';
import { auditChain, CliError, dataDir, parse, positionals, runCli, usageError } from './common';

const COMMANDS = 'verify, export';

const USAGE = `usage: npm run audit -- <command> [--data-dir DIR] [--key-file FILE] [--anchor-file FILE]

  verify                      check the hash chain with the key and against the anchors; names the
                              first broken row (exit 1 when broken or when keyed rows cannot be checked)
  export [--csv] [filters]    print the matching rows, oldest first, as JSON lines (or CSV)

filters: --vm KEY  --user NAME  --action ACTION  --outcome OUTCOME  --kind KIND
         --from TIME  --to TIME (ISO 8601; from inclusive, to exclusive)
outcomes: ${AUDIT_OUTCOMES.join(', ')}
kinds: ${AUDIT_KINDS.join(', ')}
--data-dir DIR: where powerdeck.db lives (default: $POWERDECK_DATA_DIR, else ./data); with
                $POWERDECK_DATABASE_URL set the log is read from PostgreSQL, as the server does, and DIR
                only places the key and anchor files.
--key-file FILE: the audit key (default: $POWERDECK_AUDIT_KEY_FILE, else DIR/audit.key).
--anchor-file FILE: the anchors (default: $POWERDECK_AUDIT_ANCHOR_FILE, else DIR/audit-anchors.jsonl).
`;

const short = (hash: string) => hash.slice(0, 12);

/** What verify checked against, in lines under its verdict. */
function basis(r: AuditVerifyResult): string {
  const lines: string[] = [];
  lines.push(
    r.key.fingerprint === null
      ? `  key:     none (${r.key.file})`
      : `  key:     ${r.key.file} (fingerprint ${r.key.fingerprint})`,
  );
  const a = r.anchors;
  if (a.file === null) {
    lines.push('  anchors: none configured');
  } else if (!a.exists || a.count === 0) {
    lines.push(
      `  anchors: none (${a.exists ? 'no anchor in' : 'no file at'} ${a.file}): a cut-off tail, or a chain rewritten with the key, would not show`,
    );
  } else {
    const l = a.latest;
    lines.push(
      `  anchors: ${a.file}: ${a.count} checked` +
        (l ? `, the latest of ${l.at} (${l.reason}) at row ${l.rows}, hash ${short(l.hash)}` : ''),
    );
  }
  if (r.ok && r.legacyRows > 0) {
    lines.push(
      r.keyedRows > 0
        ? `  note:    the ${r.legacyRows} legacy rows are plain SHA-256; the first keyed row's hash covers them`
        : '  note:    no row is keyed yet: plain SHA-256 rows show accidents, not someone who can write the database',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Whether a PostgreSQL error says a table is missing (undefined_table). */
const noTable = (err: unknown) => (err as { code?: unknown } | null)?.code === '42P01';

/** The audit log, where the server keeps it (see the header); `close` after the last call. */
async function openAuditLog(
  dir: string,
  audit: AuditChainOptions,
): Promise<{ audit: KeyedAuditStore; close(): Promise<void> }> {
  const url = process.env.POWERDECK_DATABASE_URL?.trim();
  if (!url) {
    const stores = openSqliteStores(dir, { mustExist: true, audit });
    return {
      audit: stores.audit,
      close: () => {
        stores.close();
        return Promise.resolve();
      },
    };
  }
  const caFile = process.env.POWERDECK_DATABASE_CA_FILE?.trim();
  const pool = createPool(url, { poolSize: 2, ...(caFile ? { caFile } : {}) });
  try {
    return { audit: await PgAuditStore.open(pool, { chain: audit }), close: () => pool.end() };
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (noTable(err)) {
      throw new CliError(
        'no audit log in the database at POWERDECK_DATABASE_URL: a Powerdeck server creates it at its first start',
      );
    }
    throw new CliError(
      `cannot read the database at POWERDECK_DATABASE_URL: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function date(name: string, value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw usageError(`--${name} must be an ISO 8601 time, e.g. 2025-01-31T12:00:00Z`);
  return d;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], value: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw usageError(`--${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

async function main(): Promise<number> {
  const { values, positionals: args } = parse(process.argv.slice(2), {
    'data-dir': { type: 'string' },
    'key-file': { type: 'string' },
    'anchor-file': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    csv: { type: 'boolean' },
    vm: { type: 'string' },
    user: { type: 'string' },
    action: { type: 'string' },
    outcome: { type: 'string' },
    kind: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, ...rest] = args;
  if (command === undefined) throw usageError('a command is needed');
  const exportOnly = ['csv', 'vm', 'user', 'action', 'outcome', 'kind', 'from', 'to'] as const;

  const chain = () => {
    const dir = dataDir(values['data-dir']);
    const files = auditChain(dir, { keyFile: values['key-file'], anchorFile: values['anchor-file'] });
    return { dir, audit: { ...files, createKey: false } };
  };

  if (command === 'verify') {
    positionals('verify', rest, []);
    for (const k of exportOnly) if (values[k] !== undefined) throw usageError(`--${k} goes with export only`);
    const { dir, audit } = chain();
    const stores = await openAuditLog(dir, audit);
    try {
      const r = await stores.audit.verify();
      const counts = `${r.rows} rows (${r.legacyRows} legacy unkeyed, ${r.keyedRows} keyed)`;
      if (r.ok) {
        process.stdout.write(`audit log intact: ${counts}, last hash ${r.lastHash ?? '(none)'}\n${basis(r)}`);
        return 0;
      }
      const verdict = r.reason.startsWith(CANNOT_VERIFY) ? 'NOT VERIFIED' : 'BROKEN';
      const at = r.brokenId === null ? '' : ` at row ${r.brokenId}`;
      process.stdout.write(`audit log ${verdict}${at}: ${r.reason}\n  checked: ${counts}\n${basis(r)}`);
      return 1;
    } finally {
      await stores.close();
    }
  }

  if (command === 'export') {
    positionals('export', rest, []);
    const filter: AuditFilter = {};
    if (values.vm !== undefined) {
      if (!/^\d+$/.test(values.vm)) throw usageError('--vm must be a VM key (a whole number)');
      filter.vmKey = Number(values.vm);
    }
    if (values.user !== undefined) filter.actor = values.user;
    if (values.action !== undefined) filter.action = values.action;
    if (values.outcome !== undefined)
      filter.outcome = oneOf<AuditOutcome>('outcome', AUDIT_OUTCOMES, values.outcome);
    if (values.kind !== undefined) filter.kind = oneOf<AuditKind>('kind', AUDIT_KINDS, values.kind);
    if (values.from !== undefined) filter.from = date('from', values.from);
    if (values.to !== undefined) filter.to = date('to', values.to);
    const { dir, audit } = chain();
    const stores = await openAuditLog(dir, audit);
    try {
      if (values.csv) {
        for await (const line of exportAuditCsv(stores.audit, filter)) process.stdout.write(line);
      } else {
        let cursor: number | undefined;
        for (;;) {
          const page = await stores.audit.query({
            ...filter,
            order: 'asc',
            limit: 500,
            ...(cursor !== undefined ? { cursor } : {}),
          });
          for (const row of page.rows) process.stdout.write(`${JSON.stringify(row)}\n`);
          if (page.next === null) break;
          cursor = page.next;
        }
      }
      return 0;
    } finally {
      await stores.close();
    }
  }

  throw usageError(`unknown command; expected one of ${COMMANDS}`);
}

runCli('audit', main, USAGE);
