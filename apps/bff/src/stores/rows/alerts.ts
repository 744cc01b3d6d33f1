// Alert targets and deliveries as rows, the same on both backends (migration 009 and migrations-postgres/006 name
// the same columns; config, events and payload are JSON text in both): their columns, how they read back into
// records and how records are stored, and how a target's patch is stored. The backends differ only in `enabled`
// (SQLite 0/1, PostgreSQL true/false: ./columns.ts, Flag). Only ../sqlite/alerts.ts and ../postgres/alerts.ts use it.
import type {
  AlertEvent,
  AlertSeverity,
  DeliveryEvent,
  DeliveryStatus,
  TargetKind,
} from '@powerdeck/contracts/alert-terms';
import { StoreError } from '../errors';
import { iso, isoOrNull } from '../secrets';
import type { AlertDeliveryRecord, AlertStore, AlertTargetFields, AlertTargetRecord } from '../types';
import { changedColumns, isSet, ms, msOrNull, type Columns, type Flag, type FlagOf } from './columns';

export interface TargetRow<F extends Flag = Flag> {
  id: string;
  name: string;
  kind: TargetKind;
  /** JSON: the kind's settings that may be shown. */
  config: string;
  secret: string | null;
  /** JSON: AlertEvent[]. */
  events: string;
  vm_filter: string;
  min_severity: AlertSeverity;
  cooldown_minutes: number;
  digest_threshold: number;
  enabled: F;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface DeliveryRow {
  id: string;
  target_id: string;
  event: DeliveryEvent;
  severity: AlertSeverity;
  title: string;
  vm_key: number | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_error: string | null;
  sent_at: number | null;
  merged_into: string | null;
}

/** The columns of alert_targets, in one order: SELECT lists and INSERTs. */
export const TARGET_COLUMN_NAMES = [
  'id',
  'name',
  'kind',
  'config',
  'secret',
  'events',
  'vm_filter',
  'min_severity',
  'cooldown_minutes',
  'digest_threshold',
  'enabled',
  'created_by',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof TargetRow)[];

export const TARGET_COLUMNS = TARGET_COLUMN_NAMES.join(', ');

/** The columns of alert_deliveries, in one order: SELECT lists and INSERTs. */
export const DELIVERY_COLUMN_NAMES = [
  'id',
  'target_id',
  'event',
  'severity',
  'title',
  'vm_key',
  'payload',
  'status',
  'attempts',
  'created_at',
  'next_attempt_at',
  'last_attempt_at',
  'last_error',
  'sent_at',
  'merged_into',
] as const satisfies readonly (keyof DeliveryRow)[];

export const DELIVERY_COLUMNS = DELIVERY_COLUMN_NAMES.join(', ');

/** The delivery columns of table alias `d`, as counts() reads them next to the target's id and its counts. */
export const DELIVERY_COLUMNS_OF_D = DELIVERY_COLUMN_NAMES.map((c) => `d.${c}`).join(', ');

/** The statuses of a delivery still to be tried. */
export const PENDING = "('queued', 'retrying')";
/** What prune() deletes: deliveries that will not be tried again. */
export const FINISHED = "('sent', 'merged', 'failed')";

/** StoreError 'exists' for a taken name (both backends say it so). */
export function nameTaken(name: string): StoreError {
  return new StoreError('exists', `An alert target named "${name}" exists already: choose another name.`);
}

/** The most deliveries one listDeliveries, due or queuedDowns answers. */
export const MAX_DELIVERIES = 1000;

export function deliveryLimit(limit: number): number {
  return Math.min(MAX_DELIVERIES, Math.max(1, Math.trunc(limit)));
}

export function toTarget(r: TargetRow): AlertTargetRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    config: JSON.parse(r.config) as Record<string, unknown>,
    secret: r.secret,
    events: JSON.parse(r.events) as AlertEvent[],
    vmFilter: r.vm_filter,
    minSeverity: r.min_severity,
    cooldownMinutes: r.cooldown_minutes,
    digestThreshold: r.digest_threshold,
    enabled: isSet(r.enabled),
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** A target as stored; throws StoreError 'invalid' for a time that is not ISO 8601. */
export function toTargetRow<F extends Flag>(t: AlertTargetRecord, flag: FlagOf<F>): TargetRow<F> {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    config: JSON.stringify(t.config),
    secret: t.secret,
    events: JSON.stringify(t.events),
    vm_filter: t.vmFilter,
    min_severity: t.minSeverity,
    cooldown_minutes: t.cooldownMinutes,
    digest_threshold: t.digestThreshold,
    enabled: flag(t.enabled),
    created_by: t.createdBy,
    created_at: ms(t.createdAt, 'createdAt'),
    updated_at: ms(t.updatedAt, 'updatedAt'),
  };
}

/** Column and stored value of each target field a patch may set (`flag`: how the backend stores a boolean). */
export function targetFields(flag: FlagOf<Flag>): Columns<AlertTargetFields> {
  return {
    name: ['name', (v: string) => v],
    config: ['config', (v: unknown) => JSON.stringify(v)],
    secret: ['secret', (v: string | null) => v],
    events: ['events', (v: unknown) => JSON.stringify(v)],
    vmFilter: ['vm_filter', (v: string) => v],
    minSeverity: ['min_severity', (v: string) => v],
    cooldownMinutes: ['cooldown_minutes', (v: number) => v],
    digestThreshold: ['digest_threshold', (v: number) => v],
    enabled: ['enabled', (v: boolean) => flag(v)],
  };
}

/** The changed columns of a target's patch, in the order of the fields. */
export function targetChanges(patch: Partial<AlertTargetFields>, flag: FlagOf<Flag>): [string, unknown][] {
  return changedColumns(targetFields(flag), patch);
}

export function toDelivery(r: DeliveryRow): AlertDeliveryRecord {
  return {
    id: r.id,
    targetId: r.target_id,
    event: r.event,
    severity: r.severity,
    title: r.title,
    vmKey: r.vm_key,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    createdAt: iso(r.created_at),
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    lastAttemptAt: isoOrNull(r.last_attempt_at),
    lastError: r.last_error,
    sentAt: isoOrNull(r.sent_at),
    mergedInto: r.merged_into,
  };
}

/**
 * A delivery as stored; throws StoreError 'invalid' for a bad time, or for a status its times contradict (the
 * table's CHECKs, said in words before the database refuses them).
 */
export function toDeliveryRow(d: AlertDeliveryRecord): DeliveryRow {
  checkDelivery(d);
  return {
    id: d.id,
    target_id: d.targetId,
    event: d.event,
    severity: d.severity,
    title: d.title,
    vm_key: d.vmKey,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    created_at: ms(d.createdAt, 'createdAt'),
    next_attempt_at: msOrNull(d.nextAttemptAt, 'nextAttemptAt'),
    last_attempt_at: msOrNull(d.lastAttemptAt, 'lastAttemptAt'),
    last_error: d.lastError,
    sent_at: msOrNull(d.sentAt, 'sentAt'),
    merged_into: d.mergedInto,
  };
}

export type AttemptResult = Parameters<AlertStore['recordAttempt']>[1];

/** A try's result as stored, in the order of ATTEMPT_COLUMNS; 'invalid' as toDeliveryRow. */
export function attemptValues(result: AttemptResult): unknown[] {
  checkDelivery(result);
  return [
    result.status,
    result.attempts,
    msOrNull(result.lastAttemptAt, 'lastAttemptAt'),
    result.lastError,
    msOrNull(result.nextAttemptAt, 'nextAttemptAt'),
    msOrNull(result.sentAt, 'sentAt'),
  ];
}

export const ATTEMPT_COLUMNS = [
  'status',
  'attempts',
  'last_attempt_at',
  'last_error',
  'next_attempt_at',
  'sent_at',
] as const;

function checkDelivery(
  d: Pick<AlertDeliveryRecord, 'status' | 'nextAttemptAt' | 'sentAt'> & { mergedInto?: string | null },
): void {
  const pending = d.status === 'queued' || d.status === 'retrying';
  if (pending && d.nextAttemptAt === null)
    throw new StoreError('invalid', `a ${d.status} delivery needs nextAttemptAt (when to try it)`);
  if ((d.status === 'sent') !== (d.sentAt !== null))
    throw new StoreError('invalid', 'sentAt is set exactly when a delivery is sent');
  if (d.mergedInto !== undefined && (d.status === 'merged') !== (d.mergedInto !== null))
    throw new StoreError('invalid', 'mergedInto is set exactly when a delivery is merged');
  if (d.status === 'merged' && d.mergedInto === undefined)
    throw new StoreError('invalid', 'a delivery is merged only by merge()');
}

/** A counts() row: the target's id, its waiting and failed deliveries, and its newest delivery (all null: none). */
export type CountsRow = { target: string; pending: number; failed: number } & {
  [K in keyof DeliveryRow]: DeliveryRow[K] | null;
};

/**
 * counts() in one statement, on either backend: every target with its waiting and failed deliveries (read from the
 * index of the open ones, alert_deliveries_open, whose WHERE this repeats word for word so that SQLite uses it) and
 * its newest delivery. `text` orders ids as the backend must (PostgreSQL: ` COLLATE "C"`, byte order as SQLite's).
 */
export function countsSql(text = ''): string {
  return `SELECT t.id AS target, COALESCE(c.pending, 0) AS pending, COALESCE(c.failed, 0) AS failed,
      ${DELIVERY_COLUMNS_OF_D}
    FROM alert_targets t
    LEFT JOIN (
      SELECT target_id,
          COUNT(*) FILTER (WHERE status IN ${PENDING}) AS pending,
          COUNT(*) FILTER (WHERE status = 'failed') AS failed
        FROM alert_deliveries
        WHERE status IN ('queued', 'retrying', 'failed')
        GROUP BY target_id
    ) c ON c.target_id = t.id
    LEFT JOIN alert_deliveries d ON d.id = (
      SELECT l.id FROM alert_deliveries l WHERE l.target_id = t.id
        ORDER BY l.created_at DESC, l.id${text} DESC LIMIT 1
    )`;
}

/** A counts() row as the record's entry. */
export function toCounts(r: CountsRow): {
  pending: number;
  failed: number;
  last: AlertDeliveryRecord | null;
} {
  return {
    pending: r.pending,
    failed: r.failed,
    last: r.id === null ? null : toDelivery(r as DeliveryRow),
  };
}
