// Admin CLI for users: `npm run users -- add NAME --role ROLE | passwd NAME [--keep-tokens] |
// role NAME ROLE | disable NAME | enable NAME | list`. Passwords come from a prompt or stdin, never from
// argv. Every change is written to the audit log (kind 'user', actor 'cli'); so is each token that a
// disable or a password change revokes (kind 'token', with the reason).
import { addUser, changePassword, CLI_ACTOR, disableUser, enableUser, setUserRole } from '../stores/admin';
import { StoreError } from '../stores/errors';
import { openSqliteStores } from '../stores/sqlite/open';
import { ROLES, type Role, type User } from '../stores/types';
import { isRole } from '../stores/validation';
import {
  auditChain,
  CliError,
  dataDir,
  parse,
  positionals,
  readNewPassword,
  runCli,
  usageError,
} from './common';

const COMMANDS = 'add, passwd, role, disable, enable, list';

const USAGE = `usage: npm run users -- <command> [--data-dir DIR]

  add NAME --role ROLE   add a user; ROLE is ${ROLES.join(', ')}
  passwd NAME            set a user's password (ends their sessions and revokes their
                         personal tokens; --keep-tokens: their tokens keep working)
  role NAME ROLE         change a user's role (their tokens act at most with the new role)
  disable NAME           disable a user (ends their sessions and revokes their tokens)
  enable NAME            enable a user again (their old sessions and tokens stay ended)
  list                   list the users

A password is asked twice, without echo, on a terminal; otherwise it is the first line of
standard input. It is never taken from the command line.
--data-dir DIR: where powerdeck.db lives (default: $POWERDECK_DATA_DIR, else ./data).
`;

function role(value: string | undefined): Role {
  if (value === undefined) throw usageError('add needs --role ROLE');
  if (!isRole(value)) throw usageError(`a role must be one of ${ROLES.join(', ')}`);
  return value;
}

/** `1 token`, `2 tokens`, `no tokens`. */
function tokens(n: number): string {
  return n === 0 ? 'no tokens' : `${n} token${n === 1 ? '' : 's'}`;
}

function table(users: User[]): string {
  const rows = [
    ['USERNAME', 'ROLE', 'STATUS', 'CREATED', 'UPDATED'],
    ...users.map((u) => [u.username, u.role, u.disabled ? 'disabled' : 'enabled', u.createdAt, u.updatedAt]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

async function main(): Promise<number> {
  const { values, positionals: args } = parse(process.argv.slice(2), {
    role: { type: 'string' },
    'keep-tokens': { type: 'boolean' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const [command, ...rest] = args;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === undefined) throw usageError('a command is needed');
  if (values.role !== undefined && command !== 'add') throw usageError('--role goes with add only');
  const keepTokens = values['keep-tokens'] === true;
  if (keepTokens && command !== 'passwd') throw usageError('--keep-tokens goes with passwd only');

  // Check the arguments before asking for a password or opening the database.
  let plan: () => Promise<string>;
  const stores = () => {
    const dir = dataDir(values['data-dir']);
    return openSqliteStores(dir, { audit: auditChain(dir) });
  };
  const withStores = async <T>(fn: (s: ReturnType<typeof stores>) => Promise<T>): Promise<T> => {
    const s = stores();
    try {
      return await fn(s);
    } finally {
      s.close();
    }
  };

  switch (command) {
    case 'add': {
      const [name] = positionals('add', rest, ['name']);
      const r = role(values.role);
      plan = async () => {
        const password = await readNewPassword();
        const user = await withStores((s) => addUser(s, CLI_ACTOR, { username: name!, role: r, password }));
        return `added ${user.username} (${user.role})`;
      };
      break;
    }
    case 'passwd': {
      const [name] = positionals('passwd', rest, ['name']);
      plan = async () => {
        const password = await readNewPassword();
        return withStores(async (s) => {
          const { user, tokensRevoked } = await changePassword(s, CLI_ACTOR, name!, password, {
            revokeTokens: !keepTokens,
          });
          const done = `changed the password of ${user.username}; their sessions are ended`;
          if (!keepTokens) return `${done}; ${tokens(tokensRevoked)} revoked`;
          const kept = (await s.tokens.activeCountByUser()).get(user.id) ?? 0;
          if (kept === 0) return `${done}; they have no tokens`;
          return `${done}; their ${tokens(kept)} ${kept === 1 ? 'is' : 'are'} kept`;
        });
      };
      break;
    }
    case 'role': {
      const [name, value] = positionals('role', rest, ['name', 'role']);
      if (!isRole(value)) throw usageError(`a role must be one of ${ROLES.join(', ')}`);
      plan = async () => {
        const user = await withStores((s) => setUserRole(s, CLI_ACTOR, name!, value));
        return `${user.username} is now ${user.role}`;
      };
      break;
    }
    case 'disable': {
      const [name] = positionals('disable', rest, ['name']);
      plan = async () => {
        const { user, tokensRevoked } = await withStores((s) => disableUser(s, CLI_ACTOR, name!));
        return `disabled ${user.username}; their sessions are ended; ${tokens(tokensRevoked)} revoked`;
      };
      break;
    }
    case 'enable': {
      const [name] = positionals('enable', rest, ['name']);
      plan = async () => {
        const { user, tokensRevoked } = await withStores((s) => enableUser(s, CLI_ACTOR, name!));
        // Tokens a disable left live (see enableUser) are revoked now, never brought back.
        const left =
          tokensRevoked === 0 ? '' : `; ${tokens(tokensRevoked)} left from before the disable revoked`;
        return `enabled ${user.username}${left}`;
      };
      break;
    }
    case 'list': {
      positionals('list', rest, []);
      plan = async () => {
        const users = await withStores((s) => s.users.list());
        return users.length === 0 ? 'no users yet' : table(users).trimEnd();
      };
      break;
    }
    default:
      throw usageError(`unknown command; expected one of ${COMMANDS}`);
  }

  try {
    process.stdout.write(`${await plan()}\n`);
    return 0;
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(err.message, 1);
    throw err;
  }
}

runCli('users', main, USAGE);
