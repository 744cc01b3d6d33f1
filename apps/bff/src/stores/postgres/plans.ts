// Power plans in PostgreSQL: the same rules and messages as the SQLite store (../sqlite/plans.ts), one row a plan,
// its tiers as JSON text. No rule here spans rows, so each call is one statement (atomic on its own): a taken id is
// the primary key's refusal, which also settles two servers creating the same id at once. Names are ordered by
// their bytes (COLLATE "C"), as SQLite's BINARY collation does, whatever the database's own collation is.
import type { HelpdeskRun } from '@powerdeck/contracts/plan-terms';
import type { PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { iso } from '../secrets';
import type { PlanFields, PlanRecord, PlanStore } from '../types';
import { isUniqueViolation } from './sql';

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

function ms(value: string, what: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new StoreError('invalid', `${what} is not an ISO 8601 time`);
  return t;
}

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
const FIELDS: Readonly<Record<keyof PlanFields, [string, (v: never) => unknown]>> = {
  name: ['name', (v: string) => v],
  tiers: ['tiers', (v: unknown) => JSON.stringify(v)],
  helpdesk: ['helpdesk', (v: string) => v],
  parallelism: ['parallelism', (v: number) => v],
};

export class PgPlanStore implements PlanStore {
  // The options object is kept for open.ts's call (and for a clock, should the store ever need one).
  constructor(
    private readonly pool: PgPool,
    _options: Record<string, never> = {},
  ) {}

  async create(p: PlanRecord): Promise<PlanRecord> {
    const values = [
      p.id,
      p.name,
      JSON.stringify(p.tiers),
      p.helpdesk,
      p.parallelism,
      p.owner,
      ms(p.createdAt, 'createdAt'),
      ms(p.updatedAt, 'updatedAt'),
    ];
    try {
      const r = await this.pool.query<PlanRow>(
        `INSERT INTO plans (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        values,
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
    for (const [field, [column, store]] of Object.entries(FIELDS)) {
      const value = patch[field as keyof PlanFields];
      if (value === undefined) continue;
      values.push(store(value as never));
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
