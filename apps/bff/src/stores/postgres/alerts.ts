// Alert targets and their delivery queue in PostgreSQL: the same rules, messages and orders as the SQLite store
// (../sqlite/alerts.ts). A taken name (regardless of case: the unique index on lower(name COLLATE "C"), which folds
// ASCII letters only, as SQLite's NOCASE) is the index's refusal, which also settles two servers creating the same
// name at once. Deliveries queued together are one statement (all or none); merge() is one transaction that marks
// only the deliveries still queued. Names and ids are ordered by their bytes (COLLATE "C"), as SQLite's BINARY
// collation does, whatever the database's own collation is.
import type { DeliveryEvent } from '@powerdeck/contracts/alert-terms';
import { inTransaction, type PgPool } from '../../db/postgres';
import { StoreError } from '../errors';
import { ms, pgFlag } from '../rows/columns';
import {
  ATTEMPT_COLUMNS,
  attemptValues,
  countsSql,
  DELIVERY_COLUMNS,
  deliveryLimit,
  FINISHED,
  MAX_DELIVERIES,
  nameTaken,
  PENDING,
  TARGET_COLUMN_NAMES,
  TARGET_COLUMNS,
  targetChanges,
  toCounts,
  toDelivery,
  toDeliveryRow,
  toTarget,
  toTargetRow,
  type CountsRow,
  type DeliveryRow,
  type TargetRow,
} from '../rows/alerts';
import type {
  AlertDeliveryRecord,
  AlertStore,
  AlertTargetCounts,
  AlertTargetFields,
  AlertTargetRecord,
} from '../types';
import { isUniqueViolation, placeholders } from './sql';

const INSERT_TARGET = `INSERT INTO alert_targets (${TARGET_COLUMNS})
  VALUES (${placeholders(TARGET_COLUMN_NAMES)}) RETURNING ${TARGET_COLUMNS}`;

/** Deliveries from one JSON array of DeliveryRow: one statement, so all of them or none. */
const INSERT_DELIVERIES = `INSERT INTO alert_deliveries (${DELIVERY_COLUMNS})
  SELECT ${DELIVERY_COLUMNS} FROM json_populate_recordset(NULL::alert_deliveries, $1::json)`;

const SELECT_DELIVERIES = `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries`;

/** The unique constraint a refusal names (pg's error carries it). */
const constraintOf = (err: unknown) => (err as { constraint?: unknown } | null)?.constraint;

export class PgAlertStore implements AlertStore {
  // The options object is kept for open.ts's call (and for a clock, should the store ever need one).
  constructor(
    private readonly pool: PgPool,
    _options: Record<string, never> = {},
  ) {}

  async createTarget(target: AlertTargetRecord): Promise<AlertTargetRecord> {
    const row = toTargetRow(target, pgFlag);
    try {
      const r = await this.pool.query<TargetRow>(
        INSERT_TARGET,
        TARGET_COLUMN_NAMES.map((c) => row[c]),
      );
      return toTarget(r.rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err) && constraintOf(err) === 'alert_targets_pkey')
        throw new StoreError('exists', `an alert target with the id ${target.id} exists`);
      if (isUniqueViolation(err)) throw nameTaken(target.name);
      throw err;
    }
  }

  async getTarget(id: string): Promise<AlertTargetRecord | null> {
    const r = await this.pool.query<TargetRow>(`SELECT ${TARGET_COLUMNS} FROM alert_targets WHERE id = $1`, [
      id,
    ]);
    return r.rows[0] ? toTarget(r.rows[0]) : null;
  }

  async listTargets(): Promise<AlertTargetRecord[]> {
    const r = await this.pool.query<TargetRow>(
      `SELECT ${TARGET_COLUMNS} FROM alert_targets ORDER BY lower(name COLLATE "C"), id COLLATE "C"`,
    );
    return r.rows.map(toTarget);
  }

  async updateTarget(
    id: string,
    patch: Partial<AlertTargetFields>,
    updatedAt: string,
  ): Promise<AlertTargetRecord> {
    const values: unknown[] = [ms(updatedAt, 'updatedAt')];
    const sets = ['updated_at = $1'];
    for (const [column, value] of targetChanges(patch, pgFlag)) {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    values.push(id);
    let r;
    try {
      r = await this.pool.query<TargetRow>(
        `UPDATE alert_targets SET ${sets.join(', ')} WHERE id = $${values.length} RETURNING ${TARGET_COLUMNS}`,
        values,
      );
    } catch (err) {
      if (isUniqueViolation(err) && patch.name !== undefined) throw nameTaken(patch.name);
      throw err;
    }
    if (!r.rows[0]) throw new StoreError('not_found', `No alert target ${id}`);
    return toTarget(r.rows[0]);
  }

  async deleteTarget(id: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM alert_targets WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async counts(): Promise<Map<string, AlertTargetCounts>> {
    const r = await this.pool.query<CountsRow>(countsSql(' COLLATE "C"'));
    return new Map(r.rows.map((row) => [row.target, toCounts(row)]));
  }

  async enqueue(deliveries: readonly AlertDeliveryRecord[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.pool.query(INSERT_DELIVERIES, [JSON.stringify(deliveries.map(toDeliveryRow))]);
  }

  async getDelivery(id: string): Promise<AlertDeliveryRecord | null> {
    const r = await this.pool.query<DeliveryRow>(`${SELECT_DELIVERIES} WHERE id = $1`, [id]);
    return r.rows[0] ? toDelivery(r.rows[0]) : null;
  }

  async lastDelivery(
    targetId: string,
    event: DeliveryEvent,
    vmKey: number | null,
  ): Promise<AlertDeliveryRecord | null> {
    // Two statements rather than IS NOT DISTINCT FROM, which no index serves.
    const vm = vmKey === null ? 'vm_key IS NULL' : 'vm_key = $3';
    const r = await this.pool.query<DeliveryRow>(
      `${SELECT_DELIVERIES} WHERE target_id = $1 AND event = $2 AND ${vm} AND status <> 'failed'
        ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT 1`,
      vmKey === null ? [targetId, event] : [targetId, event, vmKey],
    );
    return r.rows[0] ? toDelivery(r.rows[0]) : null;
  }

  async due(now: string, limit: number): Promise<AlertDeliveryRecord[]> {
    const r = await this.pool.query<DeliveryRow>(
      `${SELECT_DELIVERIES} WHERE status IN ${PENDING} AND next_attempt_at <= $1
        ORDER BY created_at, id COLLATE "C" LIMIT $2`,
      [ms(now, 'now'), deliveryLimit(limit)],
    );
    return r.rows.map(toDelivery);
  }

  async queuedDowns(targetId: string, from: string, to: string): Promise<AlertDeliveryRecord[]> {
    const r = await this.pool.query<DeliveryRow>(
      `${SELECT_DELIVERIES} WHERE target_id = $1 AND created_at BETWEEN $2 AND $3
          AND event = 'vm_down' AND status = 'queued' AND attempts = 0
        ORDER BY created_at, id COLLATE "C" LIMIT $4`,
      [targetId, ms(from, 'from'), ms(to, 'to'), MAX_DELIVERIES],
    );
    return r.rows.map(toDelivery);
  }

  async recordAttempt(id: string, result: Parameters<AlertStore['recordAttempt']>[1]): Promise<void> {
    const values = attemptValues(result);
    const sets = ATTEMPT_COLUMNS.map((c, i) => `${c} = $${i + 1}`);
    const r = await this.pool.query(
      `UPDATE alert_deliveries SET ${sets.join(', ')} WHERE id = $${values.length + 1}`,
      [...values, id],
    );
    if ((r.rowCount ?? 0) === 0) throw new StoreError('not_found', `No alert delivery ${id}`);
  }

  async merge(ids: readonly string[], digest: AlertDeliveryRecord): Promise<number> {
    const row = toDeliveryRow(digest);
    return inTransaction(this.pool, async (client) => {
      await client.query(INSERT_DELIVERIES, [JSON.stringify([row])]);
      if (ids.length === 0) return 0;
      const r = await client.query(
        `UPDATE alert_deliveries SET status = 'merged', merged_into = $1, next_attempt_at = NULL
          WHERE status = 'queued' AND id = ANY($2::text[])`,
        [digest.id, ids],
      );
      return r.rowCount ?? 0;
    });
  }

  async listDeliveries(targetId: string, limit: number): Promise<AlertDeliveryRecord[]> {
    const r = await this.pool.query<DeliveryRow>(
      `${SELECT_DELIVERIES} WHERE target_id = $1 ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`,
      [targetId, deliveryLimit(limit)],
    );
    return r.rows.map(toDelivery);
  }

  async prune(before: string): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM alert_deliveries WHERE status IN ${FINISHED} AND created_at < $1`,
      [ms(before, 'before')],
    );
    return r.rowCount ?? 0;
  }
}
