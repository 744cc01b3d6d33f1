// What the PostgreSQL stores share: PostgreSQL's error codes they act on, an INSERT's placeholders, and the advisory
// lock keys (one place, so that no two locks share a key by accident).

/** unique_violation: an INSERT met a UNIQUE or PRIMARY KEY constraint. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

/**
 * An id as a parameter for an INTEGER column: one out of its range (or not a whole number) becomes 0, which matches
 * no row (ids start at 1), as such an id does in SQLite, instead of failing the query.
 */
export function int4(id: number): number {
  return Number.isSafeInteger(id) && id >= 1 && id <= 2 ** 31 - 1 ? id : 0;
}

/** `$1, $2, …`: a placeholder for each of `columns` (an INSERT's VALUES, in the columns' order). */
export function placeholders(columns: readonly string[]): string {
  return columns.map((_, i) => `$${i + 1}`).join(', ');
}

/** Transaction-scoped advisory lock keys (pg_advisory_xact_lock), one per rule that needs a single writer. */
export const LOCKS = {
  /** Role and disable changes that must keep an enabled admin. */
  adminRoles: 0x5044_0101,
  /** Audit appends: one chain, one writer at a time across every server. */
  auditChain: 0x5044_0102,
  /**
   * Sign-in throttle reservations of one name or address: the first half of a two-part key
   * (pg_advisory_xact_lock(int, int)), whose second half is a hash of the counter (postgres/throttle.ts).
   */
  throttle: 0x5044_0103,
} as const;
