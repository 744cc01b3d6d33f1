// The signed-in person's role, from the session (the app renders only once there is one; `viewer`, which may
// do nothing, until then).
import type { Role } from '@powerdeck/contracts/roles';
import { useQuery } from '@tanstack/react-query';
import { sessionQueries } from '../features/auth/api/session-queries';

export type { Role };

const roleOf = (s: { role: Role } | null): Role => s?.role ?? 'viewer';

export function useRole(): Role {
  const { data } = useQuery({ ...sessionQueries.current(), select: roleOf });
  return data ?? 'viewer';
}
