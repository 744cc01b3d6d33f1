// Starting, cancelling and forcing operations: each request sent once (mutations are never retried), with the
// CSRF header (the api-client adds it); the answer (the operation as it now is) goes into the cache at once, so
// nothing waits for the stream. Errors stay typed (ApiError: 403 forbidden, 400 reason_required or
// invalid_request, 409 for cancelling a finished operation).
import type { NewOperationBody, Operation } from '@powerdeck/contracts/operations';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { postJson } from '../../../lib/api-client';
import { OPERATIONS_PATH, operationPath, writeOperation } from './operations-queries';

export function createOperation(body: NewOperationBody): Promise<Operation> {
  return postJson<Operation>(OPERATIONS_PATH, body);
}

export function cancelOperation(id: string): Promise<Operation> {
  return postJson<Operation>(`${operationPath(id)}/cancel`, undefined);
}

/** "Force now": force off one VM of an escalating shut down without waiting for its deadline. */
export function forceOperationVm(id: string, vmKey: number): Promise<Operation> {
  return postJson<Operation>(`${operationPath(id)}/vms/${vmKey}/force`, undefined);
}

export function useCreateOperation() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['operations', 'create'],
    mutationFn: async (body: NewOperationBody) => {
      const op = await createOperation(body);
      writeOperation(client, op);
      return op;
    },
  });
}

export function useCancelOperation() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['operations', 'cancel'],
    mutationFn: async (id: string) => {
      const op = await cancelOperation(id);
      writeOperation(client, op);
      return op;
    },
  });
}

export function useForceOperationVm() {
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['operations', 'force'],
    mutationFn: async ({ id, vmKey }: { id: string; vmKey: number }) => {
      const op = await forceOperationVm(id, vmKey);
      writeOperation(client, op);
      return op;
    },
  });
}
