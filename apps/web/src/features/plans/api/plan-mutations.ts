// Changing plans and running them: create, update, delete, run. Each request is sent once (mutations are never
// retried) with the CSRF header (the api-client adds it); errors stay typed (ApiError: 400 with the field in words,
// 403, 404, 409 deleting a plan that runs or that a schedule targets, 409 running a plan that runs already, 422 a
// start that does not fit without `evenIfShort`). After each, whatever its answer, everything under `plans` is
// asked for again (the list's last run, the plan's runs, its dry run).
import type { Operation } from '@powerdeck/contracts/operations';
import type { Plan, PlanBody, RunBody } from '@powerdeck/contracts/plans';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, postJson, putJson } from '../../../lib/api-client';
import { planPath, PLANS_PATH, planQueries } from './plans-queries';

export const planRequests = {
  create: (body: PlanBody) => postJson<Plan>(PLANS_PATH, body),
  update: ({ id, body }: { id: string; body: PlanBody }) => putJson<Plan>(planPath(id), body),
  remove: (id: string) => deleteJson(planPath(id)),
  /** Answers 201 with the run's operation. */
  run: ({ id, ...body }: RunBody & { id: string }) => postJson<Operation>(`${planPath(id)}/run`, body),
};

function usePlanChange<V, R>(kind: keyof typeof planRequests, request: (v: V) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['plans', kind],
    mutationFn: request,
    onSettled: () => client.invalidateQueries({ queryKey: planQueries.all() }),
  });
}

export const useCreatePlan = () => usePlanChange('create', planRequests.create);
export const useUpdatePlan = () => usePlanChange('update', planRequests.update);
export const useDeletePlan = () => usePlanChange('remove', planRequests.remove);
export const useRunPlan = () => usePlanChange('run', planRequests.run);
