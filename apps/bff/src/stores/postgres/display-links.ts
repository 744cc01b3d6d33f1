// Display links in PostgreSQL: the same rules as the SQLite store (../sqlite/display-links.ts). Every write is one
// statement, so nothing needs a lock: a link revoked through one server stops verifying on every server at once (and
// its display sessions with it, ./sessions.ts), and last use is written only forwards, so two servers touching a
// link at once cannot move it back.
import type { PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { LINK_SELECT as SELECT, toLink, touchDue, type LinkRow } from '../rows/display-links';
import { DISPLAY_PREFIX, looksLikeSecret, randomSecret, sha256Hex } from '../secrets';
import type { Clock, DisplayLink, DisplayLinkStore } from '../types';
import { checkLabel } from '../validation';
import { int4 } from './sql';

export class PgDisplayLinkStore implements DisplayLinkStore {
  private readonly now: Clock;

  constructor(
    private readonly pool: PgPool,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  private async byId(id: number): Promise<LinkRow | undefined> {
    return (await this.pool.query<LinkRow>(`${SELECT} WHERE d.id = $1`, [int4(id)])).rows[0];
  }

  async create(input: { name: string; createdBy: number }): Promise<{ secret: string; link: DisplayLink }> {
    const name = checkLabel('display', input.name);
    const secret = randomSecret(DISPLAY_PREFIX);
    // The creator's check and the insert are one statement.
    const r = await this.pool.query<{ id: number }>(
      `INSERT INTO display_links (name, secret_hash, created_by, created_at)
       SELECT $1, $2, id, $3 FROM users WHERE id = $4 AND role = 'admin' AND NOT disabled
       RETURNING id`,
      [name, sha256Hex(secret), this.now(), int4(input.createdBy)],
    );
    const id = r.rows[0]?.id;
    if (id === undefined)
      throw new StoreError('forbidden', 'only an enabled admin may create a display link');
    const row = await this.byId(id);
    if (!row) throw new Error('display link insert returned nothing');
    return { secret, link: toLink(row) };
  }

  async list(): Promise<DisplayLink[]> {
    return (await this.pool.query<LinkRow>(`${SELECT} ORDER BY d.id DESC`)).rows.map(toLink);
  }

  async get(id: number): Promise<DisplayLink | null> {
    const row = await this.byId(id);
    return row ? toLink(row) : null;
  }

  async verify(secret: string): Promise<DisplayLink | null> {
    if (!looksLikeSecret(secret, DISPLAY_PREFIX)) return null;
    const row = (await this.pool.query<LinkRow>(`${SELECT} WHERE d.secret_hash = $1`, [sha256Hex(secret)]))
      .rows[0];
    if (!row || row.revoked_at !== null) return null;
    const now = this.now();
    if (touchDue(row, now)) {
      await this.pool.query(
        'UPDATE display_links SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)',
        [now, row.id],
      );
      row.last_used_at = now;
    }
    return toLink(row);
  }

  async revoke(id: number): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE display_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
      [this.now(), int4(id)],
    );
    return (r.rowCount ?? 0) > 0;
  }
}
