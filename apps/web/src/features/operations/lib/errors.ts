// A refused or unanswered operation request, in words for the place it was made from (a card, the report, a
// dialog). Pure.
import { ApiError, NetworkError } from '../../../lib/api-client';

/** `what`: "start the shut down", "cancel the operation", "force it off now". */
export function operationErrorText(error: unknown, what: string): string {
  if (error instanceof NetworkError) {
    return `Could not ${what}: no answer from Powerdeck (${error.message}). Check the operations before trying again.`;
  }
  if (error instanceof ApiError) {
    if (error.status === 409) return `Could not ${what}: ${error.message} (it has already finished).`;
    return `Could not ${what}: ${error.message}`;
  }
  return `Could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
}
