// Power plans over HTTP (the contract, every route and refusal: packages/contracts/src/plans.ts). Anyone who may see
// the fleet reads plans, their dry runs and their runs; admins (`plans:manage`) create, edit and delete; running a
// plan follows `mayRunPlan` (admins always; help desk when the plan is marked for them, a shut down with a reason).
// What people type is checked here (400 naming the field): a plan needs a name, its tiers distinct names, and a
// tier's filter must restrict something (the fleet filter language, as the schedules'). A start that does not fit
// is refused (422, the shortfall named) unless `evenIfShort`. A plan is not deleted while it runs or a schedule
// targets it (409 naming it). Every change, every run and every refused run is audited (kind `plan`, target
// `plan:<id>`, the run's operation id): plans/audit.ts.
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isEmptyFilter, parseFilter } from '@powerdeck/contracts/fleet-filter';
import { MAX_OPERATION_VMS, PARALLELISM } from '@powerdeck/contracts/operation-terms';
import { OperationList, Operation as OperationSchema, type Operation } from '@powerdeck/contracts/operations';
import {
  MAX_PLANS,
  mayRunPlan,
  PLAN_DIRECTION_WORDS,
  TIER_DELAY_S,
  TIER_TIMEOUT_S,
  type HelpdeskRun,
  type PlanDirection,
} from '@powerdeck/contracts/plan-terms';
import {
  DirectionBody,
  DryRun,
  Plan,
  PlanBody,
  PlanList,
  PlanParams,
  RunBody,
  type PlanLastRun,
  type Tier,
} from '@powerdeck/contracts/plans';
import { ErrorBody } from '@powerdeck/contracts/power';
import { reasonRequired, type Permission } from '@powerdeck/contracts/roles';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { OperationError } from '../operations/admission';
import { auditPlan, type PlanAuditEntry } from '../plans/audit';
import { dryRunOf, PlanRunRefusal, preparePlanRun } from '../plans/run';
import { actorContext } from '../plugins/auth';
import { HttpError, refused } from '../plugins/errors';
import type { Json, PlanFields, PlanRecord, Principal, ScheduleRecord } from '../stores/types';

const NoQuery = Type.Object({}, { additionalProperties: false });
const Errors = { '4xx': ErrorBody, '5xx': ErrorBody };
/** Room for MAX_OPERATION_VMS keys over the tiers, MAX_TIERS names and filters, pretty-printed. */
const PLAN_BODY_LIMIT = 128 * 1024;
/** The runs a plan lists. */
const RUNS_SHOWN = 20;
/** Audit params at most this long as JSON (the log keeps 8 KB): a plan's chosen keys become their count beyond. */
const AUDIT_PARAMS_MAX = 6000;

const invalid = (message: string) => new HttpError(400, message, 'invalid_plan');

/** The body checked, trimmed and with its defaults: the fields to store. */
function fieldsOf(body: PlanBody): PlanFields {
  const name = body.name.trim();
  if (!name) throw invalid('Give the plan a name (name)');
  const seen = new Map<string, number>();
  const tiers = body.tiers.map((t, i): Tier => {
    const tierName = t.name.trim();
    const which = `Tier ${i + 1}`;
    if (!tierName) throw invalid(`${which}: give the tier a name (tiers.${i}.name)`);
    const earlier = seen.get(tierName.toLowerCase());
    if (earlier !== undefined) {
      throw invalid(
        `Tiers ${earlier + 1} and ${i + 1} are both named "${tierName}": each tier needs its own name`,
      );
    }
    seen.set(tierName.toLowerCase(), i);
    if (t.targets.kind === 'filter' && isEmptyFilter(parseFilter(t.targets.filter))) {
      throw invalid(
        `${which} (${tierName}): the filter '${t.targets.filter}' restricts nothing: ` +
          'name words, status:<status> or node:<name>',
      );
    }
    return {
      name: tierName,
      targets: t.targets.kind === 'filter' ? { kind: 'filter', filter: t.targets.filter.trim() } : t.targets,
      upWhen: t.upWhen ?? 'running',
      timeoutS: t.timeoutS ?? TIER_TIMEOUT_S.default,
      delayAfterS: t.delayAfterS ?? TIER_DELAY_S.default,
      onFailure: t.onFailure ?? 'stop',
      escalate: t.escalate ?? false,
    };
  });
  const chosen = new Set(tiers.flatMap((t) => (t.targets.kind === 'vms' ? t.targets.vms : [])));
  if (chosen.size > MAX_OPERATION_VMS) {
    throw invalid(`The tiers choose ${chosen.size} VMs: a plan runs at most ${MAX_OPERATION_VMS}`);
  }
  return {
    name,
    tiers,
    helpdesk: body.helpdesk ?? 'none',
    parallelism: body.parallelism ?? PARALLELISM.default,
  };
}

/** A plan's fields as audit params: whole when they fit the log, else each tier's chosen VMs as their count. */
function auditFields(f: PlanFields): { [key: string]: Json } {
  const whole = JSON.parse(JSON.stringify(f)) as { [key: string]: Json };
  if (JSON.stringify(whole).length <= AUDIT_PARAMS_MAX) return whole;
  return {
    ...whole,
    tiers: f.tiers.map((t) => ({
      ...(JSON.parse(JSON.stringify(t)) as { [key: string]: Json }),
      targets: t.targets.kind === 'vms' ? { kind: 'vms', count: t.targets.vms.length } : t.targets,
    })),
  };
}

/** Why a principal may not run a plan in a direction, in words (null: they may). */
function runRefusal(p: Principal, helpdesk: HelpdeskRun, direction: PlanDirection): string | null {
  if (mayRunPlan(p.role, helpdesk, direction)) return null;
  const verb = direction === 'start' ? 'start it' : 'shut it down';
  if (p.authKind === 'display') return 'A wall display may only see the fleet, not run power plans';
  if (p.role !== 'helpdesk') {
    return `Your role (${p.role}) may not run power plans: that needs admin, or help desk on a plan marked for them`;
  }
  return helpdesk === 'none'
    ? `This plan is not marked "help desk may run": only an admin may ${verb}`
    : `This plan is marked "help desk may start" only: only an admin may ${verb}`;
}

/** A run as the plan lists it last. */
function lastRunOf(op: Operation | undefined): PlanLastRun | null {
  if (!op) return null;
  return {
    operationId: op.id,
    direction: op.plan?.direction ?? (op.action === 'shutdown' ? 'shutdown' : 'start'),
    status: op.status,
    by: op.owner,
    createdAt: op.createdAt,
    finishedAt: op.finishedAt,
  };
}

/** The schedules that target each plan (id and name), by plan id. */
function schedulesByPlan(schedules: readonly ScheduleRecord[]): Map<string, { id: string; name: string }[]> {
  const by = new Map<string, { id: string; name: string }[]>();
  for (const s of schedules) {
    if (s.targets.kind !== 'plan') continue;
    const list = by.get(s.targets.plan) ?? [];
    list.push({ id: s.id, name: s.name });
    by.set(s.targets.plan, list);
  }
  return by;
}

export default function planRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const plans = app.plans;
  const store = plans.store;

  async function found(id: string): Promise<PlanRecord> {
    const p = await store.get(id);
    if (!p) throw new HttpError(404, `No plan ${id}`, 'not_found');
    return p;
  }

  async function shown(p: PlanRecord, targeting?: { id: string; name: string }[]): Promise<Plan> {
    const [last] = await plans.runs(p.id, 1);
    const schedules = targeting ?? schedulesByPlan(await app.stores.schedules.list()).get(p.id) ?? [];
    return {
      id: p.id,
      name: p.name,
      tiers: p.tiers,
      helpdesk: p.helpdesk,
      parallelism: p.parallelism,
      owner: p.owner,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      lastRun: lastRunOf(last),
      schedules,
    };
  }

  /** A change or a run, audited in the principal's name. */
  async function audited(request: FastifyRequest, entry: PlanAuditEntry): Promise<void> {
    await auditPlan(app.stores.audit, actorContext(request, request.principal), entry);
    request.log.info({ planId: entry.plan.id, action: entry.action, outcome: entry.outcome }, 'plan');
  }

  const manage = (permission: Permission) => ({ permission });

  r.get(
    '/api/plans',
    {
      schema: { querystring: NoQuery, response: { 200: PlanList, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async () => {
      const [all, schedules] = await Promise.all([store.list(), app.stores.schedules.list()]);
      const targeting = schedulesByPlan(schedules);
      return { plans: await Promise.all(all.map((p) => shown(p, targeting.get(p.id) ?? []))) };
    },
  );

  r.post(
    '/api/plans',
    {
      bodyLimit: PLAN_BODY_LIMIT,
      schema: { body: PlanBody, querystring: NoQuery, response: { 201: Plan, ...Errors } },
      config: manage('plans:manage'),
    },
    async (request, reply) => {
      const fields = fieldsOf(request.body);
      if ((await store.count()) >= MAX_PLANS) {
        throw new HttpError(409, `Powerdeck keeps at most ${MAX_PLANS} plans`, 'conflict');
      }
      const at = new Date().toISOString();
      const p = await store.create({
        id: randomUUID(),
        ...fields,
        owner: request.principal!.actor,
        createdAt: at,
        updatedAt: at,
      });
      await audited(request, { plan: p, action: 'create', params: auditFields(fields) });
      return reply.code(201).send(await shown(p, []));
    },
  );

  r.get(
    '/api/plans/:id',
    {
      schema: { params: PlanParams, querystring: NoQuery, response: { 200: Plan, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async (request) => shown(await found(request.params.id)),
  );

  r.put(
    '/api/plans/:id',
    {
      bodyLimit: PLAN_BODY_LIMIT,
      schema: {
        params: PlanParams,
        body: PlanBody,
        querystring: NoQuery,
        response: { 200: Plan, ...Errors },
      },
      config: manage('plans:manage'),
    },
    async (request) => {
      await found(request.params.id);
      const fields = fieldsOf(request.body);
      const p = await store
        .update(request.params.id, fields, new Date().toISOString())
        .catch((err: unknown) => {
          throw refused(err);
        });
      await audited(request, { plan: p, action: 'edit', params: auditFields(fields) });
      return shown(p);
    },
  );

  r.delete(
    '/api/plans/:id',
    {
      schema: { params: PlanParams, querystring: NoQuery, response: { 204: Type.Null(), ...Errors } },
      config: manage('plans:manage'),
    },
    async (request, reply) => {
      const p = await found(request.params.id);
      const running = plans.running(p.id);
      if (running) {
        throw new HttpError(
          409,
          `The plan is running (${PLAN_DIRECTION_WORDS[running.action === 'shutdown' ? 'shutdown' : 'start'].toLowerCase()}, ` +
            `by ${running.owner}): cancel the run or wait for it to end before deleting the plan`,
          'conflict',
        );
      }
      const targeting = schedulesByPlan(await app.stores.schedules.list()).get(p.id) ?? [];
      if (targeting.length > 0) {
        const names = targeting.map((s) => `"${s.name}"`).join(', ');
        throw new HttpError(
          409,
          `${targeting.length === 1 ? 'The schedule' : 'The schedules'} ${names} ${targeting.length === 1 ? 'targets' : 'target'} the plan: ` +
            'change or delete them before deleting the plan',
          'conflict',
        );
      }
      await store.delete(p.id);
      await audited(request, { plan: p, action: 'delete' });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/plans/:id/dry-run',
    {
      schema: {
        params: PlanParams,
        body: DirectionBody,
        querystring: NoQuery,
        response: { 200: DryRun, ...Errors },
      },
      config: { permission: 'fleet:read' },
    },
    async (request) => dryRunOf(await found(request.params.id), request.body.direction, plans.fleet()).dryRun,
  );

  r.post(
    '/api/plans/:id/run',
    {
      schema: {
        params: PlanParams,
        body: RunBody,
        querystring: NoQuery,
        response: { 201: OperationSchema, ...Errors },
      },
      config: { permission: 'signed-in' },
    },
    async (request, reply) => {
      const p = await found(request.params.id);
      const principal = request.principal!;
      const { direction } = request.body;
      const reason = request.body.reason?.trim() || null;
      const evenIfShort = request.body.evenIfShort === true;
      const entry = { plan: p, action: direction, reason, params: { direction } };
      const refuse = async (status: number, code: string, message: string): Promise<never> => {
        await audited(request, { ...entry, outcome: 'denied', message });
        throw new HttpError(status, message, code);
      };

      const refusal = runRefusal(principal, p.helpdesk, direction);
      if (refusal !== null) return refuse(403, 'forbidden', refusal);
      const needs: Permission[] = direction === 'start' ? ['vm:start'] : ['vm:shutdown'];
      if (reason === null && reasonRequired(principal.role, needs)) {
        return refuse(400, 'reason_required', 'Give a reason to shut down the plan (reason)');
      }
      if (!plans.loaded()) {
        throw new HttpError(
          503,
          'The fleet has not been read from VergeOS yet: try again in a moment',
          'unavailable',
        );
      }
      let run;
      try {
        run = preparePlanRun(p, direction, plans.fleet(), { evenIfShort });
      } catch (err) {
        if (!(err instanceof PlanRunRefusal)) throw err;
        return refuse(
          err.code === 'empty' ? 409 : 422,
          err.code === 'short' ? 'does_not_fit' : err.code,
          err.message,
        );
      }
      try {
        const op = await plans.start(run, {
          reason,
          by: actorContext(request, principal),
          evenIfShort,
        });
        return await reply.code(201).send(op);
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        const status = { not_found: 404, conflict: 409, unavailable: 503, invalid: 400 }[err.code];
        throw new HttpError(status, err.message, err.code);
      }
    },
  );

  r.get(
    '/api/plans/:id/runs',
    {
      schema: { params: PlanParams, querystring: NoQuery, response: { 200: OperationList, ...Errors } },
      config: { permission: 'fleet:read' },
    },
    async (request) => {
      const p = await found(request.params.id);
      return { operations: await plans.runs(p.id, RUNS_SHOWN) };
    },
  );

  done();
}
