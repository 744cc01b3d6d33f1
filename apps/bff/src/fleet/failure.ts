// Why a fleet poll failed, in words a person on a wall display understands. Never a credential: the client's
// errors are redacted already, and only their kind, status and timeout are used here.
import { STATUS_CODES } from 'node:http';
import {
  VergeAbortError,
  VergeApiError,
  VergeClientClosedError,
  VergeInvalidResponseError,
  VergeNetworkError,
  VergeTimeoutError,
  VergeTlsError,
} from '@powerdeck/vergeos-client';

/** `5 s`, `1.5 s`, `250 ms`, `2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  const s = Math.round(ms / 100) / 10;
  return `${s} s`;
}

/** The poll was cut short by the poller itself (the app is closing): not a VergeOS failure. */
export function isShutdown(error: unknown): boolean {
  return error instanceof VergeAbortError || error instanceof VergeClientClosedError;
}

/** A staleReason: "VergeOS answered 503 Service Unavailable", "cannot connect to VergeOS", ... */
export function describeFailure(error: unknown): string {
  if (error instanceof VergeInvalidResponseError)
    return 'VergeOS answered with something other than the expected JSON';
  if (error instanceof VergeApiError) {
    const phrase = STATUS_CODES[error.status];
    const answered = `VergeOS answered ${error.status}${phrase ? ` ${phrase}` : ''}`;
    if (error.status === 401) return `${answered}: check the VergeOS credentials of the BFF`;
    if (error.status === 403) return `${answered}: the BFF's VergeOS user may not read the fleet`;
    return answered;
  }
  if (error instanceof VergeTimeoutError)
    return `VergeOS did not answer within ${formatDuration(error.timeoutMs)}`;
  if (error instanceof VergeTlsError)
    return 'cannot connect to VergeOS: its TLS certificate is not trusted (pin its CA with VERGEOS_CA_FILE)';
  if (error instanceof VergeNetworkError) return 'cannot connect to VergeOS';
  if (isShutdown(error)) return 'the BFF is shutting down';
  return "the BFF could not read VergeOS's answer";
}
