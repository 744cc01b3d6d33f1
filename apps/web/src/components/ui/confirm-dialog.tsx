// A question before a change that cannot be taken back (disable a user, change a role, revoke a token or a link). Focus starts
// on Cancel, so Enter never confirms by default; the dialog stays open while the request runs and shows the
// server's answer in place when it refuses.
import { useState, type ReactNode } from 'react';
import { Dialog } from './dialog';

interface ConfirmDialogProps {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  /** A destructive change: red confirm button and a warning mark. */
  danger?: boolean;
  /** Makes the change; the dialog closes when it resolves and shows the error when it throws. */
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}

export function ConfirmDialog({
  title,
  description,
  confirmLabel,
  danger = false,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setPending(false);
    }
  }

  return (
    <Dialog
      onClose={onClose}
      title={title}
      description={description}
      tone={danger ? 'danger' : 'default'}
      actions={{ confirmLabel, loading: pending, onConfirm: () => void confirm() }}
    >
      {error ? (
        <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          {error}
        </p>
      ) : undefined}
    </Dialog>
  );
}
