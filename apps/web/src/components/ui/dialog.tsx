// The shared modal dialog, on Radix Dialog, open while it is rendered: focus is trapped inside, Escape and the
// overlay close it (`onClose`), focus returns to what was focused before it opened (the button that opened it). `initialFocus` picks what gets focus on open (a
// Cancel button or an input), so Enter never confirms a destructive action by default.
import * as RadixDialog from '@radix-ui/react-dialog';
import { TriangleAlert } from 'lucide-react';
import { useRef, type ReactNode, type RefObject } from 'react';
import { DialogActions, type DialogActionsProps } from './dialog-actions';

interface DialogProps {
  /** Called when Escape, the overlay or a `DialogClose` asks to close; the dialog shows while it is rendered. */
  onClose: () => void;
  title: ReactNode;
  /** Read out with the title; leave it out when the body says it all. */
  description?: ReactNode;
  /** `danger` marks an action that can lose data. */
  tone?: 'default' | 'danger';
  /** What gets focus when the dialog opens (default: Cancel of `actions`, else Radix's first focusable element). */
  initialFocus?: RefObject<HTMLElement | null>;
  children?: ReactNode;
  /** An asking dialog's buttons: Cancel, then the confirm button, red when `tone` is `danger`. */
  actions?: Omit<DialogActionsProps, 'tone' | 'cancelRef'>;
  /** Other buttons, right-aligned, in place of `actions`; put Cancel first. */
  footer?: ReactNode;
  /** `wide` for a dialog that lists things (a bulk action's VMs). */
  size?: 'default' | 'wide';
}

export function Dialog({
  onClose,
  title,
  description,
  tone = 'default',
  initialFocus,
  children,
  actions,
  footer,
  size = 'default',
}: DialogProps) {
  const returnTo = useRef<HTMLElement | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const focusFirst = initialFocus ?? (actions ? cancelRef : undefined);
  const buttons = actions ? <DialogActions {...actions} tone={tone} cancelRef={cancelRef} /> : footer;
  return (
    <RadixDialog.Root open onOpenChange={(open) => !open && onClose()}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-40 bg-ink/30 backdrop-blur-[1px] transition-opacity duration-150 starting:opacity-0 dark:bg-black/50" />
        <RadixDialog.Content
          {...(description === undefined ? { 'aria-describedby': undefined } : {})}
          onOpenAutoFocus={(e) => {
            // Focus has not moved yet: remember where it was, to give it back on close.
            returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
            if (!focusFirst?.current) return;
            e.preventDefault();
            focusFirst.current.focus();
          }}
          onCloseAutoFocus={(e) => {
            // Radix gives focus back to a Dialog.Trigger; these dialogs are opened by ordinary buttons.
            const el = returnTo.current;
            returnTo.current = null;
            if (!el?.isConnected) return;
            e.preventDefault();
            el.focus();
          }}
          className={
            'fixed top-[18vh] left-1/2 z-50 max-h-[calc(82dvh-1rem)] -translate-x-1/2 overflow-y-auto rounded-xl ' +
            'border border-line bg-panel p-5 text-ink shadow-xl shadow-black/10 outline-none transition duration-150 ' +
            'starting:translate-y-1 starting:opacity-0 ' +
            (size === 'wide' ? 'w-[min(38rem,calc(100vw-2rem))]' : 'w-[min(28rem,calc(100vw-2rem))]')
          }
        >
          <div className="flex gap-3">
            {tone === 'danger' && (
              <span
                aria-hidden="true"
                className="mt-0.5 inline-flex size-8 shrink-0 items-center justify-center rounded-full bg-bad/10 text-bad"
              >
                <TriangleAlert className="size-4" />
              </span>
            )}
            <div className="min-w-0 flex-1">
              <RadixDialog.Title className="text-base font-semibold leading-6 break-words">
                {title}
              </RadixDialog.Title>
              {description !== undefined && (
                <RadixDialog.Description className="mt-1.5 text-sm text-muted">
                  {description}
                </RadixDialog.Description>
              )}
              {children && <div className="mt-4 space-y-3 text-sm">{children}</div>}
            </div>
          </div>
          {buttons && <div className="mt-5 flex flex-wrap justify-end gap-2">{buttons}</div>}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

/** A button (or anything) that closes the dialog it is in. */
export const DialogClose = RadixDialog.Close;
