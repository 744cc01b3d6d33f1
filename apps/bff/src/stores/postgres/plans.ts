// Power plans in PostgreSQL: the same rules and messages as the SQLite store (../sqlite/plans.ts), one row a plan,
// its tiers as JSON text. No rule here spans rows, so each call is one statement (atomic on its own): a taken id is
// the primary key's refusal, which also settles two servers creating the same id at once. Names are ordered by
// their bytes (COLLATE "C"), as SQLite's BINARY collation does, whatever the database's own collation is.
import type { PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { changedColumns, ms } from '../rows/columns';
import {
  PLAN_COLUMN_NAMES,
  PLAN_COLUMNS as COLUMNS,
  PLAN_FIELDS,
  toPlan,
  toPlanRow,
  type PlanRow,
} from '../rows/plans';
import type { PlanFields, PlanRecord, PlanStore } from '../types';
import { isUniqueViolation, placeholders } from './sql';

const INSERT = `INSERT INTO plans (${COLUMNS})
  VALUES (${placeholders(PLAN_COLUMN_NAMES)}) RETURNING ${COLUMNS}`;

export class PgPlanStore implements PlanStore {
  // The options object is kept for open.ts's call (and for a clock, should the store ever need one).
  constructor(
    private readonly pool: PgPool,
    _options: Record<string, never> = {},
  ) {}

  async create(p: PlanRecord): Promise<PlanRecord> {
    const row = toPlanRow(p);
    try {
      const r = await this.pool.query<PlanRow>(
        INSERT,
        PLAN_COLUMN_NAMES.map((c) => row[c]),
      );
      return toPlan(r.rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreError('exists', `a plan with the id ${p.id} exists`);
      throw err;
    }
  }

  async get(id: string): Promise<PlanRecord | null> {
    const r = await this.pool.query<PlanRow>(`SELECT ${COLUMNS} FROM plans WHERE id = $1`, [id]);
    return r.rows[0] ? toPlan(r.rows[0]) : null;
  }

  async list(): Promise<PlanRecord[]> {
    const r = await this.pool.query<PlanRow>(
      `SELECT ${COLUMNS} FROM plans ORDER BY name COLLATE "C", id COLLATE "C"`,
    );
    return r.rows.map(toPlan);
  }

  async count(): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM plans');
    return r.rows[0]?.n ?? 0;
  }

  async update(id: string, patch: Partial<PlanFields>, updatedAt: string): Promise<PlanRecord> {
    const values: unknown[] = [ms(updatedAt, 'updatedAt')];
    const sets = ['updated_at = $1'];
    for (const [column, value] of changedColumns(PLAN_FIELDS, patch)) {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    values.push(id);
    const r = await this.pool.query<PlanRow>(
      `UPDATE plans SET ${sets.join(', ')} WHERE id = $${values.length} RETURNING ${COLUMNS}`,
      values,
    );
    if (!r.rows[0]) throw new StoreError('not_found', `No plan ${id}`);
    return toPlan(r.rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM plans WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }
}
