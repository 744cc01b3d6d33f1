// A plans row, the same on both backends (migration 007 and migrations-postgres name the same columns; the tiers are
// JSON text in both): its columns, how it reads back into a record and how a record is stored, and how a patch's
// fields are stored. Only ../sqlite/plans.ts and ../postgres/plans.ts use it.
import type { HelpdeskRun } from '@powerdeck/contracts/plan-terms';
import type { PlanFields, PlanRecord } from '../types';
import { iso } from '../secrets';
import { ms, type Columns } from './columns';

export interface PlanRow {
  id: string;
  name: string;
  /** JSON: the contract's Tier list. */
  tiers: string;
  helpdesk: HelpdeskRun;
  parallelism: number;
  owner: string;
  created_at: number;
  updated_at: number;
}

/** The columns, in one order: SELECT lists and INSERTs. */
export const PLAN_COLUMN_NAMES = [
  'id',
  'name',
  'tiers',
  'helpdesk',
  'parallelism',
  'owner',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof PlanRow)[];

export const PLAN_COLUMNS = PLAN_COLUMN_NAMES.join(', ');

export function toPlan(r: PlanRow): PlanRecord {
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

/** A plan as stored; throws StoreError 'invalid' for a time that is not ISO 8601. */
export function toPlanRow(p: PlanRecord): PlanRow {
  return {
    id: p.id,
    name: p.name,
    tiers: JSON.stringify(p.tiers),
    helpdesk: p.helpdesk,
    parallelism: p.parallelism,
    owner: p.owner,
    created_at: ms(p.createdAt, 'createdAt'),
    updated_at: ms(p.updatedAt, 'updatedAt'),
  };
}

/** Column and stored value of each field a patch may set. */
export const PLAN_FIELDS: Columns<PlanFields> = {
  name: ['name', (v: string) => v],
  tiers: ['tiers', (v: unknown) => JSON.stringify(v)],
  helpdesk: ['helpdesk', (v: string) => v],
  parallelism: ['parallelism', (v: number) => v],
};
