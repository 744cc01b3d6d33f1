// operation_failed: an operation (a power action on VMs, a plan's run, a schedule's run) ended, finished or cancelled,
// with at least one failed VM. Told once per operation, from the operations' own stream (`app.operations.subscribe`:
// the engine with one server; with several, the front every server has, which hears the leader's engine).
//
// Only operations that ended after this source started: with several servers the stream may bring a late notice of
// one that ended under the previous leader (which told it then). Their end times are the engine's clock, Date.now
// (plugins/operations.ts gives it no other), so that is the clock compared with here.
import { countsSummary } from '@powerdeck/contracts/operation-terms';
import type { Operation } from '@powerdeck/contracts/operations';
import { PLAN_DIRECTION_WORDS } from '@powerdeck/contracts/plan-terms';
import { SCHEDULE_ACTION_WORDS } from '@powerdeck/contracts/schedule-terms';
import type { OperationService } from '../../cluster/operations';
import type { AlertSink } from '../types';
import { plural, someLines, utcMinute } from './words';

export interface OperationSourceDeps {
  operations: Pick<OperationService, 'subscribe'>;
}

/** Operation ids already told (the most recent; an operation ends once). */
const REMEMBERED = 1000;
/** Failed VMs named in one alert; the rest are counted. */
const NAMED = 20;

/** "Shut down 12 VMs", "Plan "Site A": start". */
export function operationName(op: Pick<Operation, 'action' | 'plan' | 'counts'>): string {
  if (op.plan) return `Plan "${op.plan.name}": ${PLAN_DIRECTION_WORDS[op.plan.direction].toLowerCase()}`;
  return `${SCHEDULE_ACTION_WORDS[op.action]} ${plural(op.counts.total, 'VM')}`;
}

/** Where it is shown: a plan run's ladder, or the operations page. */
export function operationPath(op: Pick<Operation, 'id' | 'plan'>): string {
  return op.plan
    ? `/plans/${encodeURIComponent(op.plan.id)}/runs/${encodeURIComponent(op.id)}`
    : '/operations';
}

export function operationFailedAlert(op: Operation, at: number) {
  const name = operationName(op);
  const ended = op.status === 'cancelled' ? 'was cancelled' : 'finished';
  const lines = [
    `Started by ${op.owner} (${op.ownerRole}) at ${utcMinute(Date.parse(op.createdAt))}` +
      (op.schedule ? `, a run of the schedule "${op.schedule.name}"` : '') +
      '.',
  ];
  if (op.reason) lines.push(`Reason: ${op.reason}`);
  if (op.cancelledBy) lines.push(`Cancelled by ${op.cancelledBy}.`);
  lines.push(`${countsSummary(op.counts)}.`, 'Failed:');
  lines.push(
    ...someLines(
      op.vms.filter((v) => v.state === 'failed').map((v) => `- ${v.name}: ${v.detail}`),
      NAMED,
    ),
  );
  return {
    event: 'operation_failed' as const,
    at,
    title: `Operation "${name}" ${ended}: ${op.counts.failed} of ${op.counts.total} failed`,
    text: lines.join('\n'),
    operationId: op.id,
    ...(op.schedule ? { scheduleId: op.schedule.id } : {}),
    path: operationPath(op),
  };
}

export function watchOperations(deps: OperationSourceDeps, sink: AlertSink): () => void {
  const since = Date.now();
  const told = new Set<string>();
  return deps.operations.subscribe((op) => {
    if (op.status === 'running' || op.counts.failed === 0 || told.has(op.id)) return;
    const endedAt = op.finishedAt === null ? Date.now() : Date.parse(op.finishedAt);
    if (endedAt < since) return;
    told.add(op.id);
    if (told.size > REMEMBERED) told.delete(told.values().next().value!);
    sink(operationFailedAlert(op, endedAt));
  });
}
