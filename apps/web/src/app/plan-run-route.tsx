// The app layer composes the operations and plans features for a plan run's view (features do not import each
// other): the run is an operation, read from the operations feed the app keeps open (live from the event stream;
// fetched by id once the list no longer holds it), cancelled by the operations' rule and request; the plans feature
// draws it as its ladder. Loaded on demand, with the plans feature's pages.
import { PlanRunView } from '../features/plans/components/plan-run-view';
import { useCancelOperation } from '../features/operations/api/operation-mutations';
import { useOperation } from '../features/operations/api/use-operation';
import { mayCancel, type Viewer } from '../features/operations/lib/bulk';
import { operationErrorText } from '../features/operations/lib/errors';
import { useState } from 'react';

export function PlanRunRoute({
  planId,
  operationId,
  me,
}: {
  planId: string;
  operationId: string;
  me: Viewer;
}) {
  const { op, error, retry } = useOperation(operationId);
  const cancel = useCancelOperation();
  const [cancelError, setCancelError] = useState<string | null>(null);
  return (
    <PlanRunView
      planId={planId}
      op={op}
      error={error}
      onRetry={retry}
      canCancel={op !== null && mayCancel(op, me)}
      cancelling={cancel.isPending}
      cancelError={cancelError}
      onCancel={() => {
        if (!op) return;
        setCancelError(null);
        cancel.mutate(op.id, { onError: (e) => setCancelError(operationErrorText(e, 'cancel the run')) });
      }}
    />
  );
}
