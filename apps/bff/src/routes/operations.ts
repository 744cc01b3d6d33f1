// Operations over HTTP (the contract: packages/contracts/src/operations.ts). The engine (app.operations) runs them;
// these routes decide who may do what, by the rules of packages/contracts/src/power-rules.ts (the web app shows
// its buttons by the same functions):
// - starting needs the action's permissions (`operationPermissions`: `vm:force` too for an escalating shut down),
//   and a helpdesk shut down or reboot needs a reason (400 `reason_required`); refusals are audited;
// - cancelling is for whoever holds `operations:all` (admins), or the operation's owner who still holds the action's
//   permission (`ownerCancelPermissions`);
// - "Force now" needs `vm:force` (`FORCE_NOW_PERMISSION`), for a VM that waits (`forceNowApplies`, in the engine);
// - anyone who may see the fleet (wall displays included) may read operations and follow their event stream.
// The event stream re-checks its credential like the fleet's (routes/fleet.ts) and ends when it no longer holds.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  NewOperationBody,
  Operation,
  OperationList,
  type Operation as OperationType,
} from '@powerdeck/contracts/operations';
import { operationPermissions, STEP_TIMEOUTS_S } from '@powerdeck/contracts/operation-terms';
import { ErrorBody } from '@powerdeck/contracts/power';
import {
  CANCEL_ANY_PERMISSION,
  FORCE_NOW_PERMISSION,
  ownerCancelPermissions,
  principalHolds,
} from '@powerdeck/contracts/power-rules';
import { reasonRequired } from '@powerdeck/contracts/roles';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { openSseStream, type SseStream } from '../fleet/sse';
import { auditActor } from '../audit-fields';
import { OperationError } from '../operations/admission';
import { actorContext, watchCredential } from '../plugins/auth';
import { HttpError } from '../plugins/errors';
import type { AuditInput, Json, Principal } from '../stores/types';

interface OperationRoutesOptions {
  /** Milliseconds between heartbeat comments on the event stream (default 15 s). */
  heartbeatMs?: number;
  /** The reconnection delay the event stream asks browsers for (default 3 s). */
  retryMs?: number;
  /** How often an open stream's credential is checked again (default: every heartbeat, at least every 5 s). */
  recheckMs?: number;
}

const MAX_RECHECK_MS = 5_000;

const IdParams = Type.Object(
  {
    id: Type.String({
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      description: 'an operation id',
    }),
  },
  { additionalProperties: false },
);
const VmParams = Type.Object(
  {
    id: IdParams.properties.id,
    key: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'a VM key (digits)' }),
  },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });
const Errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/** What is wrong with an operation's numbers, or null when they are within bounds. */
function operationProblem(body: NewOperationBody): string | null {
  const forceAfterS = body.forceAfterS ?? null;
  if (forceAfterS !== null && body.action !== 'shutdown') {
    return `forceAfterS is only valid with action 'shutdown', not '${body.action}'`;
  }
  const t = STEP_TIMEOUTS_S[body.action];
  if (body.timeoutS !== undefined && (body.timeoutS < t.min || body.timeoutS > t.max)) {
    return `timeoutS must be from ${t.min} to ${t.max} s for ${body.action} (got ${body.timeoutS})`;
  }
  const s = STEP_TIMEOUTS_S.shutdown;
  if (forceAfterS !== null && (forceAfterS < s.min || forceAfterS > s.max)) {
    return `forceAfterS must be from ${s.min} to ${s.max} s (got ${forceAfterS})`;
  }
  return null;
}

/** The engine's refusals as HTTP answers. */
function answered(err: unknown): unknown {
  if (!(err instanceof OperationError)) return err;
  const status = { not_found: 404, conflict: 409, unavailable: 503, invalid: 400 }[err.code];
  return new HttpError(status, err.message, err.code);
}

/**
 * The body limit of POST /api/operations (the app's is 4 KB): room for MAX_OPERATION_VMS keys of ten digits
 * pretty-printed (16 bytes each), a reason of MAX_REASON_LENGTH characters each escaped as \\uXXXX (6 bytes), and
 * the other fields: about 19.3 KB at worst, rounded up.
 */
export const OPERATION_BODY_LIMIT = 32 * 1024;

export default function operationRoutes(
  app: FastifyInstance,
  opts: OperationRoutesOptions,
  done: (err?: Error) => void,
): void {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const retryMs = opts.retryMs ?? 3_000;
  const recheckMs = opts.recheckMs ?? Math.min(heartbeatMs, MAX_RECHECK_MS);
  if (!(heartbeatMs > 0) || !(recheckMs > 0)) {
    done(new TypeError('heartbeatMs and recheckMs must be positive numbers of ms'));
    return;
  }
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const engine = app.operations;

  /** A refusal of the route's own (past the permissions): one `power` row, denied, in the principal's name. */
  async function auditRefusal(
    request: FastifyRequest,
    principal: Principal,
    record: Partial<AuditInput>,
    message: string,
  ): Promise<void> {
    await app.stores.audit.append({
      ...record,
      kind: 'power',
      outcome: 'denied',
      ...auditActor(actorContext(request, principal)),
      vergeosMessage: message,
    });
  }

  r.post(
    '/api/operations',
    {
      bodyLimit: OPERATION_BODY_LIMIT,
      schema: { body: NewOperationBody, querystring: NoQuery, response: { 201: Operation, ...Errors } },
      config: { permission: 'vm:action' },
    },
    async (request, reply) => {
      const body = request.body;
      const problem = operationProblem(body);
      if (problem) throw new HttpError(400, `Invalid request: ${problem}`, 'invalid_operation');
      const reason = body.reason?.trim() || null;
      const forceAfterS = body.forceAfterS ?? null;
      const permissions = operationPermissions(body.action, forceAfterS !== null);
      const single = body.vms.length === 1 ? body.vms[0]! : null;
      const params: Json = {
        vms: [...body.vms],
        ...(forceAfterS !== null ? { forceAfterS } : {}),
        ...(body.timeoutS !== undefined ? { timeoutS: body.timeoutS } : {}),
        ...(body.parallelism !== undefined ? { parallelism: body.parallelism } : {}),
      };
      const denied: Partial<AuditInput> = {
        kind: 'power',
        outcome: 'denied',
        action: `operation:${body.action}`,
        params,
        reason,
        ...(single !== null
          ? {
              vmKey: single,
              vmName: app.fleet.current().snapshot.vms.find((v) => v.key === single)?.name ?? null,
            }
          : {}),
      };
      // 401/403: audited as this operation, denied.
      const principal = await app.authorizePermissions(request, permissions, denied);
      if (reason === null && reasonRequired(principal.role, permissions)) {
        const message = `Give a reason to ${body.action === 'shutdown' ? 'shut down' : 'reboot'} VMs (reason)`;
        await auditRefusal(request, principal, denied, message);
        throw new HttpError(400, message, 'reason_required');
      }
      try {
        const op = await engine.create(
          {
            action: body.action,
            vms: body.vms,
            forceAfterS,
            timeoutS: body.timeoutS,
            parallelism: body.parallelism,
            reason,
          },
          actorContext(request, principal),
        );
        return await reply.code(201).send(op);
      } catch (err) {
        throw answered(err);
      }
    },
  );

  r.get(
    '/api/operations',
    {
      schema: { querystring: NoQuery, response: { 200: OperationList, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async () => ({ operations: await engine.list() }),
  );

  r.get(
    '/api/operations/:id',
    {
      schema: { params: IdParams, querystring: NoQuery, response: { 200: Operation, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async (request) => {
      const op = await engine.get(request.params.id);
      if (!op) throw new HttpError(404, `No operation ${request.params.id}`, 'not_found');
      return op;
    },
  );

  r.post(
    '/api/operations/:id/cancel',
    {
      schema: { params: IdParams, querystring: NoQuery, response: { 200: Operation, ...Errors } },
      config: { permission: 'signed-in' },
    },
    async (request) => {
      const principal = request.principal!;
      const op = await engine.get(request.params.id);
      if (!op) throw new HttpError(404, `No operation ${request.params.id}`, 'not_found');
      const audit: Partial<AuditInput> = {
        kind: 'power',
        action: 'operation:cancel',
        target: `operation:${op.id}`,
        operationId: op.id,
      };
      if (!principalHolds(principal, CANCEL_ANY_PERMISSION)) {
        if (principal.actor !== op.owner) {
          const message = `Only the operation's owner (${op.owner}) or an admin may cancel it`;
          await auditRefusal(request, principal, audit, message);
          throw new HttpError(403, message, 'forbidden');
        }
        // The owner still needs the action's own permission (not a display, not a read-only token).
        await app.authorizePermissions(request, ownerCancelPermissions(op.action), audit);
      }
      try {
        return await engine.cancel(op.id, actorContext(request, principal));
      } catch (err) {
        throw answered(err);
      }
    },
  );

  r.post(
    '/api/operations/:id/vms/:key/force',
    {
      schema: { params: VmParams, querystring: NoQuery, response: { 200: Operation, ...Errors } },
      config: { permission: FORCE_NOW_PERMISSION },
    },
    async (request) => {
      try {
        return await engine.forceNow(
          request.params.id,
          Number(request.params.key),
          actorContext(request, request.principal!),
        );
      } catch (err) {
        throw answered(err);
      }
    },
  );

  // ------------------------------------------------------------------------------------------
  // The event stream: every running operation when it opens, then each operation at every change.

  const streams = new Set<SseStream>();
  let seq = 0;
  // One engine subscription for every stream (while any is open): each change is serialised once.
  let unsubscribe: (() => void) | null = null;
  const broadcast = (op: OperationType) => {
    seq += 1;
    const event = { event: 'operation', id: String(seq), data: JSON.stringify(op) };
    for (const stream of streams) stream.send(event, op.id);
  };

  app.get(
    '/api/operations/events',
    { config: { permission: 'fleet:read' }, exposeHeadRoute: false },
    (request, reply) => {
      const stream = openSseStream(reply, retryMs);
      // The engine builds exactly the contract's Operation (operations/to-api.ts): nothing else is sent.
      for (const op of engine.runningOperations()) {
        seq += 1;
        stream.send({ event: 'operation', id: String(seq), data: JSON.stringify(op) }, op.id);
      }
      streams.add(stream);
      unsubscribe ??= engine.subscribe(broadcast);
      const heartbeat = setInterval(() => stream.comment('heartbeat'), heartbeatMs);
      heartbeat.unref();
      const recheck = watchCredential(app, request, stream, recheckMs, 'operations event stream');
      stream.onClose(() => {
        clearInterval(heartbeat);
        if (recheck) clearInterval(recheck);
        streams.delete(stream);
        if (streams.size === 0) {
          unsubscribe?.();
          unsubscribe = null;
        }
        request.log.debug('operations event stream closed');
      });
    },
  );

  app.addHook('preClose', (hookDone) => {
    for (const stream of [...streams]) stream.end();
    hookDone();
  });
  done();
}
