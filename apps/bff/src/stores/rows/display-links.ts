// A display link's row, the same on both backends (read with its creator's name): its columns, how it reads back
// into a record, and when a use is written. Only ../sqlite/display-links.ts and ../postgres/display-links.ts use it.
import { iso, isoOrNull } from '../secrets';
import type { DisplayLink } from '../types';

/** last_used_at is written at most this often per link. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface LinkRow {
  id: number;
  name: string;
  created_by: number;
  creator: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Links with their creators (`d`: display_links, `u`: users): `WHERE` and `ORDER BY` follow. */
export const LINK_SELECT = `SELECT d.id, d.name, d.created_by, u.username AS creator, d.created_at, d.last_used_at,
  d.revoked_at FROM display_links d JOIN users u ON u.id = d.created_by`;

export function toLink(r: LinkRow): DisplayLink {
  return {
    id: r.id,
    name: r.name,
    createdBy: { id: r.created_by, username: r.creator },
    createdAt: iso(r.created_at),
    lastUsedAt: isoOrNull(r.last_used_at),
    revokedAt: isoOrNull(r.revoked_at),
  };
}

/** Whether a use now is to be written (the last one written is TOUCH_INTERVAL_MS old, or none is). */
export function touchDue(r: LinkRow, now: number): boolean {
  return r.last_used_at === null || now - r.last_used_at >= TOUCH_INTERVAL_MS;
}
