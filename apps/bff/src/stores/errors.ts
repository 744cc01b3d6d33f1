// The one error the stores throw for a request they refuse; the message is safe to show an admin
// (it never contains a password or a secret).
export type StoreErrorCode = 'invalid' | 'exists' | 'not_found' | 'forbidden';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Runs synchronous store work as a promise: a throw becomes a rejection. */
export function settle<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
