// Display links in SQLite: named, read-only credentials for wall displays. The secret
// (`pdd_<43 base64url chars>`) is returned once by create; only its SHA-256 hash is stored.
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { LINK_SELECT as SELECT, toLink, touchDue, type LinkRow } from '../rows/display-links';
import { DISPLAY_PREFIX, looksLikeSecret, randomSecret, sha256Hex } from '../secrets';
import type { Clock, DisplayLink, DisplayLinkStore } from '../types';
import { checkLabel } from '../validation';

export class SqliteDisplayLinkStore implements DisplayLinkStore {
  private readonly now: Clock;
  private readonly admin;
  private readonly insert;
  private readonly byId;
  private readonly bySecret;
  private readonly all;
  private readonly touch;
  private readonly revokeOne;

  constructor(db: SqliteDatabase, options: { now?: Clock } = {}) {
    this.now = options.now ?? Date.now;
    this.admin = db
      .prepare<[number], number>("SELECT id FROM users WHERE id = ? AND role = 'admin' AND disabled = 0")
      .pluck();
    this.insert = db
      .prepare<[string, string, number, number], number>(
        'INSERT INTO display_links (name, secret_hash, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      )
      .pluck();
    this.byId = db.prepare<[number], LinkRow>(`${SELECT} WHERE d.id = ?`);
    this.bySecret = db.prepare<[string], LinkRow>(`${SELECT} WHERE d.secret_hash = ?`);
    this.all = db.prepare<[], LinkRow>(`${SELECT} ORDER BY d.id DESC`);
    this.touch = db.prepare<[number, number]>('UPDATE display_links SET last_used_at = ? WHERE id = ?');
    this.revokeOne = db.prepare<[number, number]>(
      'UPDATE display_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
  }

  create(input: { name: string; createdBy: number }): Promise<{ secret: string; link: DisplayLink }> {
    return settle(() => {
      const name = checkLabel('display', input.name);
      if (this.admin.get(input.createdBy) === undefined) {
        throw new StoreError('forbidden', 'only an enabled admin may create a display link');
      }
      const secret = randomSecret(DISPLAY_PREFIX);
      const id = this.insert.get(name, sha256Hex(secret), input.createdBy, this.now());
      const row = id === undefined ? undefined : this.byId.get(id);
      if (!row) throw new Error('display link insert returned nothing');
      return { secret, link: toLink(row) };
    });
  }

  list(): Promise<DisplayLink[]> {
    return settle(() => this.all.all().map(toLink));
  }

  get(id: number): Promise<DisplayLink | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toLink(row) : null;
    });
  }

  verify(secret: string): Promise<DisplayLink | null> {
    return settle(() => {
      if (!looksLikeSecret(secret, DISPLAY_PREFIX)) return null;
      const row = this.bySecret.get(sha256Hex(secret));
      if (!row || row.revoked_at !== null) return null;
      const now = this.now();
      if (touchDue(row, now)) {
        this.touch.run(now, row.id);
        row.last_used_at = now;
      }
      return toLink(row);
    });
  }

  revoke(id: number): Promise<boolean> {
    return settle(() => this.revokeOne.run(this.now(), id).changes > 0);
  }
}
