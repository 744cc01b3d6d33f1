// A dialog around one form (add a user, set a password, make a token or a display link): the fields, the server's
// refusal in place as an alert, and below them Cancel and the submit button. The form skips the browser's own
// validation: `onSubmit` checks and shows its problems by the fields. A dialog that makes a secret shows it once
// in place of the form (`done`), with Done alone.
import { useId, type ReactNode, type RefObject } from 'react';
import { Button } from './button';
import { Dialog, DialogClose } from './dialog';
import { DialogActions } from './dialog-actions';
import { FormError } from './field';

interface FormDialogProps {
  title: ReactNode;
  description?: ReactNode;
  /** What gets focus on open (the first field); default: the first focusable element. */
  initialFocus?: RefObject<HTMLElement | null>;
  submitLabel: string;
  /** The form's request (a mutation): while it runs the submit button shows a spinner and ignores clicks; its
   * error (the server's refusal) shows below the fields. */
  request: { isPending: boolean; error: Error | null };
  /** Called with the default submission prevented. */
  onSubmit: () => void;
  onClose: () => void;
  /** Shown in place of the form once it has done its work (a secret shown once); Done closes. */
  done?: ReactNode;
  /** The fields. */
  children: ReactNode;
  /** `wide` for a form with many fields (a schedule). */
  size?: 'default' | 'wide';
}

export function FormDialog({
  title,
  description,
  initialFocus,
  submitLabel,
  request,
  onSubmit,
  onClose,
  done,
  children,
  size,
}: FormDialogProps) {
  const formId = `${useId()}-form`;
  return (
    <Dialog
      onClose={onClose}
      title={title}
      description={description}
      initialFocus={initialFocus}
      size={size}
      footer={
        done ? (
          <DialogClose asChild>
            <Button variant="primary">Done</Button>
          </DialogClose>
        ) : (
          <DialogActions confirmLabel={submitLabel} form={formId} loading={request.isPending} />
        )
      }
    >
      {done || (
        <form
          id={formId}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
          className="space-y-3"
        >
          {children}
          {request.error && <FormError>{request.error.message}</FormError>}
        </form>
      )}
    </Dialog>
  );
}
