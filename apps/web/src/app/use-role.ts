// The signed-in person's role. There is no sign-in yet: everyone is an admin (the BFF listens on 127.0.0.1 only).
// The sign-in issue replaces this with the session's role.
import type { Role } from '../features/power/lib/predicates';

export type { Role };

export function useRole(): Role {
  return 'admin';
}
