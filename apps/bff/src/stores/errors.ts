// The one error the stores throw for a request they refuse; the message is safe to show an admin
// (it never contains a password or a secret).
/** 'conflict': the change would break a rule about the whole system (e.g. leave no enabled admin). */
export type StoreErrorCode = 'invalid' | 'exists' | 'not_found' | 'forbidden' | 'conflict';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The HTTP status a route answers a refusal with. */
export const STORE_ERROR_STATUS: Readonly<Record<StoreErrorCode, number>> = {
  invalid: 400,
  exists: 409,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
};

/** Runs synchronous store work as a promise: a throw becomes a rejection. */
export function settle<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
