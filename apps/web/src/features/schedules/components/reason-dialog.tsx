// Skip a run, pause or resume a schedule: a question that always asks why (the reason goes to the audit log). Focus
// starts in the Reason field; confirming without one says so and sends nothing; the server's refusal shows in place
// and what was typed stays (the shared ConfirmDialog's pending and error handling).
import { useRef, useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ReasonField } from '../../../components/ui/reason-field';

export const REASON_MISSING = 'Say why, for the audit log.';

export interface ReasonDialogProps {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  /** Sends the change with the reason; the dialog closes when it resolves and shows the error when it throws. */
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}

export function ReasonDialog({ title, description, confirmLabel, onConfirm, onClose }: ReasonDialogProps) {
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [reason, setReason] = useState('');
  return (
    <ConfirmDialog
      title={title}
      description={description}
      confirmLabel={confirmLabel}
      initialFocus={reasonRef}
      onConfirm={() => {
        const why = reason.trim();
        return why ? onConfirm(why) : Promise.reject(new Error(REASON_MISSING));
      }}
      onClose={onClose}
    >
      <ReasonField ref={reasonRef} required value={reason} onChange={setReason} />
    </ConfirmDialog>
  );
}
