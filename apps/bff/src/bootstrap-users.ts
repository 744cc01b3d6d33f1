// First users at start-up. Against a real VergeOS with no users yet: an `admin` with a random
// password, printed once. In demo mode (the embedded simulator): `admin`, `helpdesk` and `viewer`,
// all with the demo password (POWERDECK_DEMO_PASSWORD, or a random one), set at every start and
// printed, so a person trying Powerdeck can sign in as each role.
import { randomBytes } from 'node:crypto';
import { addUser, changePassword, type ActorContext } from './stores/admin';
import { StoreError } from './stores/errors';
import type { Role, Stores } from './stores/types';

/** The server's own start-up acts like the CLI: on the machine, with no session. */
const STARTUP_ACTOR: ActorContext = { actor: 'startup', role: null, authKind: 'cli' };

const DEMO_USERS: readonly { username: string; role: Role }[] = [
  { username: 'admin', role: 'admin' },
  { username: 'helpdesk', role: 'helpdesk' },
  { username: 'viewer', role: 'viewer' },
];

/** A refusal because the user exists (another server created it at the same moment): false; anything else throws. */
function refusedAsTaken(err: unknown): false {
  if (err instanceof StoreError && err.code === 'exists') return false;
  throw err;
}

/** A password people can type: 4 groups of 5 lowercase letters and digits (about 103 bits). */
export function randomPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) {
    if (i > 0 && i % 5 === 0) out += '-';
    out += alphabet[bytes[i]! % alphabet.length];
  }
  return out;
}

interface BootstrapResult {
  /** Users created or whose password was set now, with the password to print (shown once). */
  users: { username: string; role: Role }[];
  password: string | null;
}

export async function bootstrapUsers(
  stores: Stores,
  options: { demo: boolean; demoPassword?: string | undefined },
): Promise<BootstrapResult> {
  if (options.demo) {
    const password = options.demoPassword ?? randomPassword();
    for (const u of DEMO_USERS) {
      const existing = await stores.users.get(u.username);
      // Setting the demo password again at a restart is no account change: the demo users' tokens stay
      // (audited as kept), so a script tried against the demo survives a restart.
      const created = existing
        ? false
        : await addUser(stores, STARTUP_ACTOR, { ...u, password }).then(() => true, refusedAsTaken);
      if (!created)
        await changePassword(stores, STARTUP_ACTOR, u.username, password, { revokeTokens: false });
    }
    return { users: [...DEMO_USERS], password };
  }
  if ((await stores.users.list()).length > 0) return { users: [], password: null };
  const password = randomPassword();
  // Several servers starting on one new database: the first to create `admin` prints its password; the others
  // find it taken and print nothing.
  const created = await addUser(stores, STARTUP_ACTOR, { username: 'admin', role: 'admin', password }).then(
    () => true,
    refusedAsTaken,
  );
  if (!created) return { users: [], password: null };
  return { users: [{ username: 'admin', role: 'admin' }], password };
}
