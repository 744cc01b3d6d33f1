// The footer every asking dialog ends with: Cancel (closes the dialog; `Dialog` gives it focus on open through
// `cancelRef`, so Enter never confirms by default), then the confirm button, red for an action that can lose data.
// The confirm button either runs `onConfirm` or, with `form`, submits that form.
import * as RadixDialog from '@radix-ui/react-dialog';
import type { Ref } from 'react';
import { Button } from './button';

export interface DialogActionsProps {
  confirmLabel: string;
  /** `danger`: the confirm button is red. */
  tone?: 'default' | 'danger';
  cancelRef?: Ref<HTMLButtonElement>;
  disabled?: boolean;
  /** A spinner on the confirm button, which ignores clicks meanwhile. */
  loading?: boolean;
  onConfirm?: () => void;
  /** The id of the form the confirm button submits (in place of `onConfirm`). */
  form?: string;
}

export function DialogActions({
  confirmLabel,
  tone = 'default',
  cancelRef,
  disabled,
  loading,
  onConfirm,
  form,
}: DialogActionsProps) {
  return (
    <>
      <RadixDialog.Close asChild>
        <Button ref={cancelRef} variant="secondary">
          Cancel
        </Button>
      </RadixDialog.Close>
      <Button
        variant={tone === 'danger' ? 'danger' : 'primary'}
        type={form === undefined ? 'button' : 'submit'}
        form={form}
        disabled={disabled}
        loading={loading}
        onClick={onConfirm}
      >
        {confirmLabel}
      </Button>
    </>
  );
}
