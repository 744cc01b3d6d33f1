// Keyboard shortcuts stay out of the way of typing and of dialogs.

/** Whether a key event's target takes text (or is inside a dialog, whose keys are its own). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('[role="dialog"],[role="alertdialog"],dialog')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}
