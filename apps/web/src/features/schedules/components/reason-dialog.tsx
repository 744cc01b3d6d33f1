// Skip a run, pause or resume a schedule: a question that always asks why (the reason goes to the audit log). Focus
// starts in the Reason field (the first thing to type in); confirming without one says so by the field and sends nothing; the server's refusal
// shows in place and what was typed stays.
import { useState, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose } from '../../../components/ui/dialog';
import { FormError } from '../../../components/ui/field';
import { ReasonField } from '../../../components/ui/reason-field';

export interface ReasonDialogProps {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  /** Sends the change with the reason; the dialog closes when it resolves and shows the error when it throws. */
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}

export function ReasonDialog({ title, description, confirmLabel, onConfirm, onClose }: ReasonDialogProps) {
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const missing = reason.trim() === '';

  async function confirm() {
    setTried(true);
    if (missing || pending) return;
    setPending(true);
    setError(null);
    try {
      await onConfirm(reason.trim());
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setPending(false);
    }
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={title}
      description={description}
      footer={
        <>
          <DialogClose asChild>
            <Button variant="secondary">Cancel</Button>
          </DialogClose>
          <Button variant="primary" loading={pending} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <form
        noValidate
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          void confirm();
        }}
      >
        <ReasonField required value={reason} onChange={setReason} />
        {tried && missing && <p className="text-xs text-bad">Say why, for the audit log.</p>}
        {error && <FormError>{error}</FormError>}
      </form>
    </Dialog>
  );
}
