// The audit log as the BFF serves it.
//   GET /api/audit?vm=&actor=&action=&outcome=&kind=&from=&to=&cursor=&limit=   -> AuditPage   (audit:read)
//   GET /api/audit.csv?(same filters)                                            -> text/csv    (audit:read)
//   GET /api/vms/:key/activity                                                   -> VmActivity  (fleet:read)
// `from`/`to` are ISO 8601 times (`from` inclusive, `to` exclusive); pages go newest first and
// `cursor` is the previous page's `next`.
import Type, { type Static } from 'typebox';
import { AUDIT_AUTH_KINDS, AUDIT_KINDS, AUDIT_OUTCOMES } from './audit-terms';
import { ROLES } from './roles';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const AuditRow = Type.Object({
  id: Type.Integer(),
  at: Type.String({ description: 'ISO 8601, UTC' }),
  kind: Type.Enum(AUDIT_KINDS),
  outcome: Type.Enum(AUDIT_OUTCOMES),
  actor: Nullable(Type.String()),
  role: Nullable(Type.Enum(ROLES)),
  authKind: Nullable(Type.Enum(AUDIT_AUTH_KINDS)),
  source: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  vmKey: Nullable(Type.Integer()),
  vmName: Nullable(Type.String()),
  action: Nullable(Type.String()),
  /** The action's params as canonical JSON text, or null. */
  params: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  target: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  operationId: Nullable(Type.String()),
  /**
   * The schedule whose run (or whose change) this row records, and its name at the time. Optional: the BFF always
   * sends them (null when none); readers written before schedules need not know them.
   */
  scheduleId: Type.Optional(Nullable(Type.String())),
  scheduleName: Type.Optional(Nullable(Type.String())),
  /** For an outcome row: the id of its `requested` row. */
  refId: Nullable(Type.Integer()),
  /** VergeOS's answer status (null when Powerdeck answered itself). */
  vergeosStatus: Nullable(Type.Integer()),
  /** VergeOS's message, or Powerdeck's words when it refused (403, a missing reason). */
  vergeosMessage: Nullable(Type.String()),
  latencyMs: Nullable(Type.Number()),
  hash: Type.String(),
});
export type AuditRow = Static<typeof AuditRow>;

export const AuditPage = Type.Object({
  rows: Type.Array(AuditRow),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next: Nullable(Type.Integer()),
});
export type AuditPage = Static<typeof AuditPage>;

const Digits = Type.String({ pattern: '^[1-9][0-9]{0,9}$' });

export const AuditQueryString = Type.Object(
  {
    vm: Type.Optional(Digits),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    outcome: Type.Optional(Type.Enum(AUDIT_OUTCOMES)),
    kind: Type.Optional(Type.Enum(AUDIT_KINDS)),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Digits),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
  },
  { additionalProperties: false },
);
export type AuditQueryString = Static<typeof AuditQueryString>;

/**
 * One attempt to act on a VM, as its detail page shows it: the request joined with its outcome.
 * `outcome` is `requested` while no outcome has been recorded (in flight, or the BFF stopped).
 */
export const VmActivityItem = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Nullable(Type.String()),
  role: Nullable(Type.Enum(ROLES)),
  authKind: Nullable(Type.Enum(AUDIT_AUTH_KINDS)),
  action: Nullable(Type.String()),
  params: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  outcome: Type.Enum(AUDIT_OUTCOMES),
  vergeosMessage: Nullable(Type.String()),
});
export type VmActivityItem = Static<typeof VmActivityItem>;

export const VmActivity = Type.Object({ items: Type.Array(VmActivityItem) });
export type VmActivity = Static<typeof VmActivity>;
