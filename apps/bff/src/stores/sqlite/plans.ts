// Power plans in SQLite (migration 007): one row a plan, its tiers as JSON text (the contract's Tier list, every
// setting given). A plan's runs are operations (the operations store); deleting a plan leaves them as history.
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { changedColumns, ms } from '../rows/columns';
import { PLAN_COLUMNS as COLUMNS, PLAN_FIELDS, toPlan, toPlanRow, type PlanRow } from '../rows/plans';
import type { PlanFields, PlanRecord, PlanStore } from '../types';

export class SqlitePlanStore implements PlanStore {
  private readonly db: SqliteDatabase;
  private readonly byId;
  private readonly all;
  private readonly counted;
  private readonly insert;
  private readonly remove;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.byId = db.prepare<[string], PlanRow>(`SELECT ${COLUMNS} FROM plans WHERE id = ?`);
    this.all = db.prepare<[], PlanRow>(`SELECT ${COLUMNS} FROM plans ORDER BY name, id`);
    this.counted = db.prepare<[], number>('SELECT COUNT(*) FROM plans').pluck();
    this.insert = db.prepare<[PlanRow]>(
      `INSERT INTO plans (${COLUMNS}) VALUES (@id, @name, @tiers, @helpdesk, @parallelism, @owner, @created_at,
        @updated_at)`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM plans WHERE id = ?');
  }

  create(p: PlanRecord): Promise<PlanRecord> {
    return settle(() => {
      if (this.byId.get(p.id) !== undefined)
        throw new StoreError('exists', `a plan with the id ${p.id} exists`);
      this.insert.run(toPlanRow(p));
      return toPlan(this.byId.get(p.id)!);
    });
  }

  get(id: string): Promise<PlanRecord | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toPlan(row) : null;
    });
  }

  list(): Promise<PlanRecord[]> {
    return settle(() => this.all.all().map(toPlan));
  }

  count(): Promise<number> {
    return settle(() => this.counted.get() ?? 0);
  }

  update(id: string, patch: Partial<PlanFields>, updatedAt: string): Promise<PlanRecord> {
    return settle(
      this.db.transaction(() => {
        const patched = changedColumns(PLAN_FIELDS, patch);
        const sets = ['updated_at = ?', ...patched.map(([column]) => `${column} = ?`)];
        const values = [ms(updatedAt, 'updatedAt'), ...patched.map(([, value]) => value)];
        const changed = this.db
          .prepare(`UPDATE plans SET ${sets.join(', ')} WHERE id = ?`)
          .run(...values, id).changes;
        if (changed === 0) throw new StoreError('not_found', `No plan ${id}`);
        return toPlan(this.byId.get(id)!);
      }),
    );
  }

  delete(id: string): Promise<boolean> {
    return settle(() => this.remove.run(id).changes > 0);
  }
}
