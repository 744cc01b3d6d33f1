// Reading the audit log: a filtered page (newest first, `next` continues with older rows), the whole
// filtered log as CSV (read page by page from the store and streamed, oldest first), and a VM's recent
// power attempts, each joined with its outcome, for the VM's detail view.
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuditPage, AuditQueryString, VmActivity, type VmActivityItem } from '@powerdeck/contracts/audit';
import { ErrorBody } from '@powerdeck/contracts/power';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { HttpError } from '../plugins/errors';
import { exportAuditCsv } from '../stores/audit-csv';
import type { AuditFilter, AuditRecord } from '../stores/types';

/** How many attempts a VM's activity shows. */
const VM_ACTIVITY_LIMIT = 20;

/** The CSV export takes the filters, not the paging. */
const CsvQueryString = Type.Omit(AuditQueryString, ['cursor', 'limit'], { additionalProperties: false });
/** A stream of CSV text (RFC 4180), header line first: sent as it is, never serialized. */
const CsvBody = Type.Unsafe<Readable>(Type.String({ description: 'text/csv' }));
const KeyParams = Type.Object(
  { key: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'a VergeOS VM key (digits)' }) },
  { additionalProperties: false },
);

function time(name: 'from' | 'to', value: string): Date {
  const d = new Date(value);
  if (!Number.isFinite(d.getTime())) {
    throw new HttpError(
      400,
      `Invalid request: querystring.${name} is not a valid time (ISO 8601, e.g. 2025-01-31T08:00:00Z)`,
      'invalid_request',
    );
  }
  return d;
}

/** The store's filter from the query string; 400 when a time cannot be read. */
function auditFilterOf(q: {
  vm?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: AuditFilter['outcome'];
  kind?: AuditFilter['kind'];
  from?: string | undefined;
  to?: string | undefined;
}): AuditFilter {
  return {
    ...(q.vm !== undefined ? { vmKey: Number(q.vm) } : {}),
    ...(q.actor !== undefined ? { actor: q.actor } : {}),
    ...(q.action !== undefined ? { action: q.action } : {}),
    ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
    ...(q.kind !== undefined ? { kind: q.kind } : {}),
    ...(q.from !== undefined ? { from: time('from', q.from) } : {}),
    ...(q.to !== undefined ? { to: time('to', q.to) } : {}),
  };
}

/** A request (or a refusal before anything was forwarded) joined with its outcome row, if any. */
function activityItemOf(attempt: AuditRecord, outcome: AuditRecord | undefined): VmActivityItem {
  return {
    id: attempt.id,
    at: attempt.at,
    actor: attempt.actor,
    role: attempt.role,
    authKind: attempt.authKind,
    action: attempt.action,
    params: attempt.params,
    reason: attempt.reason,
    outcome: outcome?.outcome ?? attempt.outcome,
    vergeosMessage: outcome ? outcome.vergeosMessage : attempt.vergeosMessage,
  };
}

export default function auditRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  const { stores } = app;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/audit',
    {
      schema: { querystring: AuditQueryString, response: { 200: AuditPage, '4xx': ErrorBody } },
      config: { permission: 'audit:read' },
    },
    async (request) => {
      const q = request.query;
      return stores.audit.query({
        ...auditFilterOf(q),
        order: 'desc',
        ...(q.cursor !== undefined ? { cursor: Number(q.cursor) } : {}),
        ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}),
      });
    },
  );

  r.get(
    '/api/audit.csv',
    {
      schema: {
        querystring: CsvQueryString,
        response: { 200: CsvBody, '4xx': ErrorBody },
      },
      config: { permission: 'audit:read' },
    },
    async (request, reply) => {
      const filter = auditFilterOf(request.query);
      const date = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="powerdeck-audit-${date}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportAuditCsv(stores.audit, filter)));
    },
  );

  r.get(
    '/api/vms/:key/activity',
    {
      schema: { params: KeyParams, response: { 200: VmActivity, '4xx': ErrorBody } },
      config: { permission: 'fleet:read' },
    },
    async (request) => {
      const attempts = await stores.audit.powerAttempts(Number(request.params.key), VM_ACTIVITY_LIMIT);
      const requested = attempts.filter((a) => a.outcome === 'requested').map((a) => a.id);
      const outcomes = new Map<number, AuditRecord>();
      for (const o of await stores.audit.outcomesOf(requested)) {
        // The first outcome recorded for a request is its outcome.
        if (o.refId !== null && !outcomes.has(o.refId)) outcomes.set(o.refId, o);
      }
      return { items: attempts.map((a) => activityItemOf(a, outcomes.get(a.id))) };
    },
  );

  done();
}
