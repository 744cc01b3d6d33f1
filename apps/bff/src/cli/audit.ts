// Admin CLI for the audit log: `npm run audit -- verify` checks the hash chain and names the first
// broken row (exit 1 when broken); `npm run audit -- export [--csv] [filters]` prints rows, oldest
// first, as JSON lines or CSV.
import { exportAuditCsv } from '../stores/audit-csv';
import { openSqliteStores } from '../stores/sqlite/open';
import {
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditFilter,
  type AuditKind,
  type AuditOutcome,
} from '../stores/types';
import { dataDir, parse, positionals, runCli, usageError } from './common';

const COMMANDS = 'verify, export';

const USAGE = `usage: npm run audit -- <command> [--data-dir DIR]

  verify                      check the hash chain; names the first broken row (exit 1 when broken)
  export [--csv] [filters]    print the matching rows, oldest first, as JSON lines (or CSV)

filters: --vm KEY  --user NAME  --action ACTION  --outcome OUTCOME  --kind KIND
         --from TIME  --to TIME (ISO 8601; from inclusive, to exclusive)
outcomes: ${AUDIT_OUTCOMES.join(', ')}
kinds: ${AUDIT_KINDS.join(', ')}
--data-dir DIR: where powerdeck.db lives (default: $POWERDECK_DATA_DIR, else ./data).
`;

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

  if (command === 'verify') {
    positionals('verify', rest, []);
    for (const k of exportOnly) if (values[k] !== undefined) throw usageError(`--${k} goes with export only`);
    const stores = openSqliteStores(dataDir(values['data-dir']), { mustExist: true });
    try {
      const result = await stores.audit.verify();
      if (result.ok) {
        process.stdout.write(
          `audit log intact: ${result.rows} rows, last hash ${result.lastHash ?? '(none)'}\n`,
        );
        return 0;
      }
      process.stdout.write(`audit log BROKEN at row ${result.brokenId}: ${result.reason}\n`);
      return 1;
    } finally {
      stores.close();
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
    const stores = openSqliteStores(dataDir(values['data-dir']), { mustExist: true });
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
      stores.close();
    }
  }

  throw usageError(`unknown command; expected one of ${COMMANDS}`);
}

runCli('audit', main, USAGE);
