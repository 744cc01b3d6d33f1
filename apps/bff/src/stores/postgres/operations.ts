// Operations in PostgreSQL: the same records, rules and orders as the SQLite store (../sqlite/operations.ts). The
// engine writes here at every step (a step is recorded as `sending` before the request goes out), so the round
// trips are counted:
// - create is one statement: the operation's row and all its VMs (a bulk may have 1,000) in one INSERT whose rows
//   come from one JSON parameter (json_to_recordset). One statement is one transaction.
// - update is one statement in one transaction (BEGIN, the statement, COMMIT: three round trips, however many VMs
//   it patches). The statement sets the operation's fields and patches every VM from one JSON parameter: each
//   column takes the patch's value when the patch names it and keeps its own otherwise, so VMs patched with
//   different fields share the statement. It answers whether the operation exists and which VMs it changed; when
//   one is missing the transaction is rolled back, so a change is applied whole or not at all, and another server
//   never sees half of it. Row locks do the rest: two servers changing the same VM at once are applied one after
//   the other, each to the row as the other left it (no lost fields). A change without VM patches is one statement
//   without a transaction.
// - reads take an operation and its VMs in one statement (one snapshot), the VMs as a JSON array in position order.
import { fenced } from '../../cluster/lease';
import { inTransaction, type PgClient, type PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { pgFlag } from '../rows/columns';
import {
  checkLimit,
  OP_COLUMN_NAMES,
  OP_COLUMNS,
  operationChanges,
  toOperation,
  toOperationRow,
  toVm,
  toVmRow,
  VM_COLUMN_NAMES,
  VM_COLUMNS,
  VM_PATCHABLE,
  vmChanges,
  type OperationRow,
  type VmRow,
} from '../rows/operations';
import type { OperationChange, OperationRecord, OperationStore } from '../types';
import { isUniqueViolation, placeholders } from './sql';

/** An operation with its VMs (json_agg, position order: BIGINT as JSON numbers, BOOLEAN as true/false). */
interface OperationWithVms extends OperationRow {
  vms: VmRow<boolean>[] | null;
}

/** The types of operation_vms' columns (bar operation_id), for json_to_recordset and the patches' casts. */
const VM_TYPES: Readonly<Record<keyof VmRow, string>> = {
  position: 'integer',
  vm_key: 'integer',
  name: 'text',
  state: 'text',
  step: 'text',
  step_phase: 'text',
  step_at: 'bigint',
  deadline: 'bigint',
  escalated: 'boolean',
  forced_after_s: 'integer',
  detail: 'text',
  status: 'text',
  started_before: 'bigint',
  moved: 'boolean',
  audit_id: 'bigint',
  tier: 'integer',
};
const VM_RECORD = VM_COLUMN_NAMES.map((column) => `${column} ${VM_TYPES[column]}`).join(', ');

/** An operation's columns and its VMs (json_agg, position order): `WHERE`, `ORDER BY` and `LIMIT` follow. */
const SELECT_OPERATION = `SELECT ${OP_COLUMNS},
  (SELECT json_agg(v ORDER BY v.position)
     FROM (SELECT ${VM_COLUMNS} FROM operation_vms WHERE operation_id = o.id) v) AS vms
  FROM operations o`;

/** An operation's row and its VMs in one statement: its columns' values, then its VMs as one JSON array. */
const INSERT_OPERATION = `WITH op AS (
    INSERT INTO operations (${OP_COLUMNS}) VALUES (${placeholders(OP_COLUMN_NAMES)}) RETURNING id
  )
  INSERT INTO operation_vms (operation_id, ${VM_COLUMNS})
  SELECT op.id, ${VM_COLUMNS}
  FROM op, json_to_recordset($${OP_COLUMN_NAMES.length + 1}::json) AS v(${VM_RECORD})`;

const fromRow = (r: OperationWithVms) => toOperation(r, (r.vms ?? []).map(toVm));

/**
 * Patches VMs of operation $1 from $2, a JSON array of `{ key, set }` (`set`: the columns to change and their stored
 * values). A column the patch does not name keeps its value. Answers the keys it changed.
 */
const PATCH_VMS = `UPDATE operation_vms o SET ${VM_PATCHABLE.map(
  (c) => `${c} = CASE WHEN p.set ? '${c}' THEN (p.set->>'${c}')::${VM_TYPES[c]} ELSE o.${c} END`,
).join(',\n  ')}
  FROM jsonb_to_recordset($2::jsonb) AS p(key integer, set jsonb)
  WHERE o.operation_id = $1 AND o.vm_key = p.key
  RETURNING o.vm_key`;

/** A change's VM patches as stored values, by key in the order first asked (a key asked twice: merged, in order). */
function vmSets(change: OperationChange): Map<number, Record<string, unknown>> {
  const byKey = new Map<number, Record<string, unknown>>();
  for (const { key, patch } of change.vms ?? []) {
    const set: Record<string, unknown> = {};
    for (const [column, value] of vmChanges(patch, pgFlag)) set[column] = value;
    // An empty patch changes nothing, and does not ask whether the VM exists (as in SQLite).
    if (Object.keys(set).length === 0) continue;
    byKey.set(key, { ...byKey.get(key), ...set });
  }
  return byKey;
}

export class PgOperationStore implements OperationStore {
  /** Several servers: the epoch this server leads with (null: it does not), checked by every write. */
  private fence: (() => number | null) | null = null;

  // The options object is kept for open.ts's call (and for a clock, should the store ever need one).
  constructor(
    private readonly pool: PgPool,
    _options: Record<string, never> = {},
  ) {}

  /**
   * Several servers (cluster/lease.ts): from now on every create and update runs in a transaction that first holds
   * the lease row and finds this server's epoch current and unexpired (`fenced`), else writes nothing and throws
   * StoreError 'conflict'. So a deposed leader cannot mark a step `sending` (nor record anything else) once another
   * server has taken over, and a takeover waits for a write under way.
   */
  fenceWith(epoch: () => number | null): void {
    this.fence = epoch;
  }

  /** Runs `fn` on the pool, or (fenced) in a transaction that checks the epoch first. */
  private async fenced<T>(fn: (q: PgPool | PgClient) => Promise<T>, transaction: boolean): Promise<T> {
    const fence = this.fence;
    if (fence === null) return transaction ? inTransaction(this.pool, fn) : fn(this.pool);
    return inTransaction(this.pool, async (client) => {
      const epoch = fence();
      if (epoch === null || !(await fenced(client, epoch))) {
        throw new StoreError('conflict', 'this server no longer leads: nothing was recorded');
      }
      return fn(client);
    });
  }

  async create(op: OperationRecord): Promise<void> {
    if (op.vms.length === 0) throw new StoreError('invalid', 'an operation needs at least one VM');
    // The VMs' times are checked before the operation's.
    const vms = op.vms.map((vm, position) => toVmRow(vm, position, pgFlag));
    const row = toOperationRow(op);
    const values = [...OP_COLUMN_NAMES.map((c) => row[c]), JSON.stringify(vms)];
    try {
      // The VMs' foreign key is checked at the end of the statement, when the operation's row is there.
      await this.fenced((q) => q.query(INSERT_OPERATION, values), false);
    } catch (err) {
      if (isUniqueViolation(err) && (err as { constraint?: string }).constraint === 'operations_pkey') {
        throw new StoreError('exists', `an operation with the id ${op.id} exists`);
      }
      throw err;
    }
  }

  async get(id: string): Promise<OperationRecord | null> {
    const r = await this.pool.query<OperationWithVms>(`${SELECT_OPERATION} WHERE o.id = $1`, [id]);
    return r.rows[0] ? fromRow(r.rows[0]) : null;
  }

  async listRunning(): Promise<OperationRecord[]> {
    const r = await this.pool.query<OperationWithVms>(
      `${SELECT_OPERATION} WHERE o.status = 'running' ORDER BY o.created_at, o.id COLLATE "C"`,
    );
    return r.rows.map(fromRow);
  }

  async listRecent(limit: number): Promise<OperationRecord[]> {
    checkLimit(limit);
    const r = await this.pool.query<OperationWithVms>(
      `${SELECT_OPERATION} WHERE o.status <> 'running' ORDER BY o.finished_at DESC, o.created_at DESC LIMIT $1`,
      [limit],
    );
    return r.rows.map(fromRow);
  }

  async listByPlan(planId: string, limit: number): Promise<OperationRecord[]> {
    checkLimit(limit);
    const r = await this.pool.query<OperationWithVms>(
      `${SELECT_OPERATION} WHERE o.plan_id = $1 ORDER BY o.created_at DESC, o.id COLLATE "C" DESC LIMIT $2`,
      [planId, limit],
    );
    return r.rows.map(fromRow);
  }

  async update(id: string, change: OperationChange): Promise<void> {
    // The operation's fields first: a bad time is refused before anything is asked (as in SQLite).
    const sets = operationChanges(change.operation ?? {});
    let patches: Map<number, Record<string, unknown>>;
    try {
      patches = vmSets(change);
    } catch (err) {
      // SQLite meets an unknown operation, or an unknown VM patched before the bad patch, first.
      await this.refuseMissing(id, change);
      throw err;
    }
    /** The operation's row ($1: its id; its fields from $first on): changed, or only found. */
    const opStatement = (first: number) =>
      sets.length > 0
        ? `UPDATE operations SET ${sets.map(([c], i) => `${c} = $${first + i}`).join(', ')} WHERE id = $1 RETURNING id`
        : 'SELECT id FROM operations WHERE id = $1';
    const fields = sets.map(([, v]) => v);
    if (patches.size === 0) {
      const r = await this.fenced((q) => q.query(opStatement(2), [id, ...fields]), false);
      if (r.rowCount === 0) throw new StoreError('not_found', `no operation ${id}`);
      return;
    }
    const patchJson = JSON.stringify([...patches].map(([key, set]) => ({ key, set })));
    await this.fenced(async (client) => {
      const r = await client.query<{ found: boolean; keys: number[] }>(
        `WITH op AS (${opStatement(3)}), vms AS (${PATCH_VMS})
         SELECT EXISTS (SELECT 1 FROM op) AS found, ARRAY(SELECT vm_key FROM vms) AS keys`,
        [id, patchJson, ...fields],
      );
      const { found, keys } = r.rows[0]!;
      // Thrown inside the transaction: it is rolled back, nothing of the change stays.
      if (!found) throw new StoreError('not_found', `no operation ${id}`);
      const changed = new Set(keys);
      for (const key of patches.keys()) {
        if (!changed.has(key)) throw new StoreError('not_found', `operation ${id} has no VM ${key}`);
      }
    }, true);
  }

  /**
   * For a change with a bad VM patch: throws 'not_found' when SQLite would have said so before meeting the bad
   * patch (the operation is unknown, or a VM patched before it is). Returns otherwise.
   */
  private async refuseMissing(id: string, change: OperationChange): Promise<void> {
    const before: number[] = [];
    for (const { key, patch } of change.vms ?? []) {
      try {
        if (vmSets({ vms: [{ key, patch }] }).size > 0) before.push(key);
      } catch {
        break;
      }
    }
    const r = await this.pool.query<{ found: boolean; keys: number[] }>(
      `SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1) AS found,
        ARRAY(SELECT vm_key FROM operation_vms WHERE operation_id = $1 AND vm_key = ANY($2::int[])) AS keys`,
      [id, before],
    );
    const { found, keys } = r.rows[0]!;
    if (!found) throw new StoreError('not_found', `no operation ${id}`);
    const known = new Set(keys);
    const unknown = before.find((key) => !known.has(key));
    if (unknown !== undefined) throw new StoreError('not_found', `operation ${id} has no VM ${unknown}`);
  }

  async prune(finishedBefore: Date): Promise<number> {
    // Their operation_vms rows go with them (ON DELETE CASCADE).
    const r = await this.pool.query(`DELETE FROM operations WHERE status <> 'running' AND finished_at < $1`, [
      finishedBefore.getTime(),
    ]);
    return r.rowCount ?? 0;
  }
}
