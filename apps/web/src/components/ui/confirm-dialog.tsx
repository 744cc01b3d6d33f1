// A question before a change that cannot be taken back (disable a user, change a role, revoke a token or a link), or
// one that asks for something first (a reason: `children`, with `initialFocus` on it). Focus starts on Cancel unless
// told otherwise, so Enter never confirms by default; the dialog stays open while the request runs and shows the
// server's answer in place when it refuses.
import { useState, type ReactNode, type RefObject } from 'react';
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
  /** Fields above the server's answer (a reason). */
  children?: ReactNode;
  /** What gets focus on open (default: Cancel). */
  initialFocus?: RefObject<HTMLElement | null>;
}

export function ConfirmDialog({
  title,
  description,
  confirmLabel,
  danger = false,
  onConfirm,
  onClose,
  children,
  initialFocus,
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
      {...(initialFocus ? { initialFocus } : {})}
    >
      {children}
      {error ? (
        <p role="alert" className="rounded-md bg-bad-soft px-3 py-2 text-sm text-bad">
          {error}
        </p>
      ) : undefined}
    </Dialog>
  );
}
