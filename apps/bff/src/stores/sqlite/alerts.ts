// Alert targets and their delivery queue in SQLite (migration 009). A target's name is unique regardless of case
// (the column's NOCASE collation), checked before writing in the same transaction, so the refusal says which name;
// a target's deliveries go with it (ON DELETE CASCADE). merge() folds queued `vm_down` deliveries into a digest in
// one transaction, and only those still queued: one a worker has started on meanwhile stays as it is.
import type { DeliveryEvent } from '@powerdeck/contracts/alert-terms';
import type { SqliteDatabase } from '../../db/database';
import { settle, StoreError } from '../errors';
import { ms, sqliteFlag } from '../rows/columns';
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

const INSERT_DELIVERY = `INSERT INTO alert_deliveries (${DELIVERY_COLUMNS}) VALUES (@id, @target_id, @event,
  @severity, @title, @vm_key, @payload, @status, @attempts, @created_at, @next_attempt_at, @last_attempt_at,
  @last_error, @sent_at, @merged_into)`;

export class SqliteAlertStore implements AlertStore {
  private readonly db: SqliteDatabase;
  private readonly byId;
  private readonly byName;
  private readonly all;
  private readonly insert;
  private readonly remove;
  private readonly counted;
  private readonly insertDelivery;
  private readonly deliveryById;
  private readonly lastOfVm;
  private readonly lastWithoutVm;
  private readonly dueNow;
  private readonly downs;
  private readonly attempt;
  private readonly newest;
  private readonly pruned;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.byId = db.prepare<[string], TargetRow<0 | 1>>(
      `SELECT ${TARGET_COLUMNS} FROM alert_targets WHERE id = ?`,
    );
    // `name = ?` compares with the column's NOCASE collation.
    this.byName = db
      .prepare<[string, string], string>('SELECT id FROM alert_targets WHERE name = ? AND id <> ?')
      .pluck();
    this.all = db.prepare<[], TargetRow<0 | 1>>(
      `SELECT ${TARGET_COLUMNS} FROM alert_targets ORDER BY name, id`,
    );
    this.insert = db.prepare<[TargetRow<0 | 1>]>(
      `INSERT INTO alert_targets (${TARGET_COLUMNS}) VALUES (@id, @name, @kind, @config, @secret, @events,
        @vm_filter, @min_severity, @cooldown_minutes, @digest_threshold, @enabled, @created_by, @created_at,
        @updated_at)`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM alert_targets WHERE id = ?');
    this.counted = db.prepare<[], CountsRow>(countsSql());
    this.insertDelivery = db.prepare<[DeliveryRow]>(INSERT_DELIVERY);
    this.deliveryById = db.prepare<[string], DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE id = ?`,
    );
    // Two statements rather than `vm_key IS ?`, so that both read alert_deliveries_last the same way.
    const last = (vm: string) =>
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries
        WHERE target_id = ? AND event = ? AND ${vm} AND status <> 'failed'
        ORDER BY created_at DESC, id DESC LIMIT 1`;
    this.lastOfVm = db.prepare<[string, string, number], DeliveryRow>(last('vm_key = ?'));
    this.lastWithoutVm = db.prepare<[string, string], DeliveryRow>(last('vm_key IS NULL'));
    this.dueNow = db.prepare<[number, number], DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries
        WHERE status IN ${PENDING} AND next_attempt_at <= ?
        ORDER BY created_at, id LIMIT ?`,
    );
    this.downs = db.prepare<[string, number, number, number], DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries
        WHERE target_id = ? AND created_at BETWEEN ? AND ?
          AND event = 'vm_down' AND status = 'queued' AND attempts = 0
        ORDER BY created_at, id LIMIT ?`,
    );
    this.attempt = db.prepare<unknown[]>(
      `UPDATE alert_deliveries SET ${ATTEMPT_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`,
    );
    this.newest = db.prepare<[string, number], DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries WHERE target_id = ?
        ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.pruned = db.prepare<[number]>(
      `DELETE FROM alert_deliveries WHERE status IN ${FINISHED} AND created_at < ?`,
    );
  }

  createTarget(target: AlertTargetRecord): Promise<AlertTargetRecord> {
    return settle(
      this.db.transaction(() => {
        const row = toTargetRow(target, sqliteFlag);
        if (this.byId.get(target.id) !== undefined)
          throw new StoreError('exists', `an alert target with the id ${target.id} exists`);
        if (this.byName.get(target.name, target.id) !== undefined) throw nameTaken(target.name);
        this.insert.run(row);
        return toTarget(this.byId.get(target.id)!);
      }),
    );
  }

  getTarget(id: string): Promise<AlertTargetRecord | null> {
    return settle(() => {
      const row = this.byId.get(id);
      return row ? toTarget(row) : null;
    });
  }

  listTargets(): Promise<AlertTargetRecord[]> {
    return settle(() => this.all.all().map(toTarget));
  }

  updateTarget(id: string, patch: Partial<AlertTargetFields>, updatedAt: string): Promise<AlertTargetRecord> {
    return settle(
      this.db.transaction(() => {
        const at = ms(updatedAt, 'updatedAt');
        if (this.byId.get(id) === undefined) throw new StoreError('not_found', `No alert target ${id}`);
        if (patch.name !== undefined && this.byName.get(patch.name, id) !== undefined)
          throw nameTaken(patch.name);
        const patched = targetChanges(patch, sqliteFlag);
        const sets = ['updated_at = ?', ...patched.map(([column]) => `${column} = ?`)];
        this.db
          .prepare(`UPDATE alert_targets SET ${sets.join(', ')} WHERE id = ?`)
          .run(at, ...patched.map(([, value]) => value), id);
        return toTarget(this.byId.get(id)!);
      }),
    );
  }

  deleteTarget(id: string): Promise<boolean> {
    return settle(() => this.remove.run(id).changes > 0);
  }

  counts(): Promise<Map<string, AlertTargetCounts>> {
    return settle(() => new Map(this.counted.all().map((r) => [r.target, toCounts(r)])));
  }

  enqueue(deliveries: readonly AlertDeliveryRecord[]): Promise<void> {
    return settle(
      this.db.transaction(() => {
        for (const d of deliveries) this.insertDelivery.run(toDeliveryRow(d));
      }),
    );
  }

  getDelivery(id: string): Promise<AlertDeliveryRecord | null> {
    return settle(() => {
      const row = this.deliveryById.get(id);
      return row ? toDelivery(row) : null;
    });
  }

  lastDelivery(
    targetId: string,
    event: DeliveryEvent,
    vmKey: number | null,
  ): Promise<AlertDeliveryRecord | null> {
    return settle(() => {
      const row =
        vmKey === null ? this.lastWithoutVm.get(targetId, event) : this.lastOfVm.get(targetId, event, vmKey);
      return row ? toDelivery(row) : null;
    });
  }

  due(now: string, limit: number): Promise<AlertDeliveryRecord[]> {
    return settle(() => this.dueNow.all(ms(now, 'now'), deliveryLimit(limit)).map(toDelivery));
  }

  queuedDowns(targetId: string, from: string, to: string): Promise<AlertDeliveryRecord[]> {
    return settle(() =>
      this.downs.all(targetId, ms(from, 'from'), ms(to, 'to'), MAX_DELIVERIES).map(toDelivery),
    );
  }

  recordAttempt(id: string, result: Parameters<AlertStore['recordAttempt']>[1]): Promise<void> {
    return settle(() => {
      if (this.attempt.run(...attemptValues(result), id).changes === 0)
        throw new StoreError('not_found', `No alert delivery ${id}`);
    });
  }

  merge(ids: readonly string[], digest: AlertDeliveryRecord): Promise<number> {
    return settle(
      this.db.transaction(() => {
        this.insertDelivery.run(toDeliveryRow(digest));
        if (ids.length === 0) return 0;
        return this.db
          .prepare(
            `UPDATE alert_deliveries SET status = 'merged', merged_into = ?, next_attempt_at = NULL
              WHERE status = 'queued' AND id IN (SELECT value FROM json_each(?))`,
          )
          .run(digest.id, JSON.stringify(ids)).changes;
      }),
    );
  }

  listDeliveries(targetId: string, limit: number): Promise<AlertDeliveryRecord[]> {
    return settle(() => this.newest.all(targetId, deliveryLimit(limit)).map(toDelivery));
  }

  prune(before: string): Promise<number> {
    return settle(() => this.pruned.run(ms(before, 'before')).changes);
  }
}
