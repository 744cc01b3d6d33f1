// VergeOS-style errors: real systems answer {"err": "..."}; the guide shows {"error": "..."} for 409 and
// 507, so those carry both.

export type ErrorBody = { err: string; error?: string };

export class VergeError extends Error {
  readonly statusCode: number;
  readonly body: ErrorBody;

  constructor(statusCode: number, err: string, guideError?: string) {
    super(err);
    this.name = 'VergeError';
    this.statusCode = statusCode;
    this.body = guideError === undefined ? { err } : { err, error: guideError };
  }
}

export const invalidArgument = (detail?: string) =>
  new VergeError(422, detail === undefined ? 'Invalid argument' : detail);
export const notFound = (what: string) => new VergeError(404, what);
export const unauthorized = (detail = 'Authentication required') => new VergeError(401, detail);
export const forbidden = (detail = 'Permission denied') => new VergeError(403, detail);
