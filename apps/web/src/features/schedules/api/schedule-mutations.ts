// Changing schedules: create, update, delete, and skip / unskip a run, pause / resume (with a reason). Each request
// is sent once (mutations are never retried) with the CSRF header (the api-client adds it); errors stay typed
// (ApiError: 400 with the field in words, 403, 404, 409 skipping a run that is not upcoming). After each, whatever
// its answer, the list, the VMs' next actions and the runs are asked for again.
import type {
  ReasonBody,
  Schedule,
  ScheduleBody,
  SkipBody,
  UnskipBody,
} from '@powerdeck/contracts/schedules';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, postJson, putJson } from '../../../lib/api-client';
import { schedulePath, SCHEDULES_PATH, scheduleQueries } from './schedules-queries';

type WithId<T> = T & { id: string };

export const scheduleRequests = {
  create: (body: ScheduleBody) => postJson<Schedule>(SCHEDULES_PATH, body),
  update: ({ id, body }: { id: string; body: ScheduleBody }) => putJson<Schedule>(schedulePath(id), body),
  remove: (id: string) => deleteJson(schedulePath(id)),
  skip: ({ id, ...body }: WithId<SkipBody>) => postJson<Schedule>(`${schedulePath(id)}/skip`, body),
  unskip: ({ id, ...body }: WithId<UnskipBody>) => postJson<Schedule>(`${schedulePath(id)}/unskip`, body),
  pause: ({ id, ...body }: WithId<ReasonBody>) => postJson<Schedule>(`${schedulePath(id)}/pause`, body),
  resume: ({ id, ...body }: WithId<ReasonBody>) => postJson<Schedule>(`${schedulePath(id)}/resume`, body),
};

function useScheduleChange<V, R>(kind: keyof typeof scheduleRequests, request: (v: V) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['schedules', kind],
    mutationFn: request,
    onSettled: () => client.invalidateQueries({ queryKey: scheduleQueries.all() }),
  });
}

export const useCreateSchedule = () => useScheduleChange('create', scheduleRequests.create);
export const useUpdateSchedule = () => useScheduleChange('update', scheduleRequests.update);
export const useDeleteSchedule = () => useScheduleChange('remove', scheduleRequests.remove);
export const useSkipRun = () => useScheduleChange('skip', scheduleRequests.skip);
export const useUnskipRun = () => useScheduleChange('unskip', scheduleRequests.unskip);
export const usePauseSchedule = () => useScheduleChange('pause', scheduleRequests.pause);
export const useResumeSchedule = () => useScheduleChange('resume', scheduleRequests.resume);
