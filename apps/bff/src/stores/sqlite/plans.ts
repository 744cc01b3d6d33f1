// Power plans in SQLite (migration 007): one row a plan, its tiers as JSON text (the contract's Tier list, every
// setting given). A plan's runs are operations (the operations store); deleting a plan leaves them as history.
import type { HelpdeskRun } from '@powerdeck/contracts/plan-terms';
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { iso } from '../secrets';
import { changedColumns, ms, type Columns } from './columns';
import type { PlanFields, PlanRecord, PlanStore } from '../types';

interface PlanRow {
  id: string;
  name: string;
  tiers: string;
  helpdesk: HelpdeskRun;
  parallelism: number;
  owner: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'id, name, tiers, helpdesk, parallelism, owner, created_at, updated_at';

function toPlan(r: PlanRow): PlanRecord {
  return {
    id: r.id,
    name: r.name,
    tiers: JSON.parse(r.tiers) as PlanRecord['tiers'],
    helpdesk: r.helpdesk,
    parallelism: r.parallelism,
    owner: r.owner,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** Column and stored value of each field a patch may set. */
const FIELDS: Columns<PlanFields> = {
  name: ['name', (v: string) => v],
  tiers: ['tiers', (v: unknown) => JSON.stringify(v)],
  helpdesk: ['helpdesk', (v: string) => v],
  parallelism: ['parallelism', (v: number) => v],
};

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
      this.insert.run({
        id: p.id,
        name: p.name,
        tiers: JSON.stringify(p.tiers),
        helpdesk: p.helpdesk,
        parallelism: p.parallelism,
        owner: p.owner,
        created_at: ms(p.createdAt, 'createdAt'),
        updated_at: ms(p.updatedAt, 'updatedAt'),
      });
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
        const patched = changedColumns(FIELDS, patch);
        const sets = ['updated_at = ?', ...patched.sets];
        const values = [ms(updatedAt, 'updatedAt'), ...patched.values];
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
