// One error shape for everything the BFF answers itself: `{ err, error, statusCode, code }`, the
// same keys VergeOS uses (`err` on real systems, `error` in the guide), so a script reads either.
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { STORE_ERROR_STATUS, StoreError, type StoreErrorCode } from '../stores/errors';

/** The part of a FastifyReply sendError uses (any route's reply, whatever its type provider). */
interface ReplyLike {
  code(statusCode: number): ReplyLike;
  type(contentType: string): ReplyLike;
  send(payload?: unknown): unknown;
}

/** An early answer from a hook or a route: thrown, turned into the error shape by the handler below. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * A malformed VergeOS request, refused before VergeOS in VergeOS's own words (routes/vergeos.ts): answered as VergeOS
 * answers it through the proxy, `{ err, error }` and nothing else, so a script cannot tell who refused it.
 */
export class VergeosRefusal extends Error {
  override name = 'VergeosRefusal';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A store's refusal as the HTTP error a person reads (code → status by STORE_ERROR_STATUS); anything else unchanged. */
export function refused(err: unknown, messages: Partial<Record<StoreErrorCode, string>> = {}): unknown {
  if (!(err instanceof StoreError)) return err;
  const text = messages[err.code] ?? err.message;
  return new HttpError(STORE_ERROR_STATUS[err.code], text.charAt(0).toUpperCase() + text.slice(1), err.code);
}

export function sendError(reply: ReplyLike, statusCode: number, message: string, code?: string): void {
  reply
    .code(statusCode)
    .type('application/json; charset=utf-8')
    .send({ err: message, error: message, statusCode, ...(code ? { code } : {}) });
}

function validationMessage(error: FastifyError): string {
  const v = error.validation?.[0];
  if (!v) return error.message;
  const where = `${error.validationContext ?? 'request'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`;
  if (v.keyword === 'additionalProperties') {
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    return `${where} has an unknown field '${extra ?? '?'}'`;
  }
  if (v.keyword === 'required') {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    return `${where} is missing '${missing ?? '?'}'`;
  }
  if (v.keyword === 'enum') {
    const allowed = (v.params as { allowedValues?: unknown[] }).allowedValues;
    if (allowed) return `${where} must be one of ${allowed.map((a) => String(a)).join(', ')}`;
  }
  if (v.keyword === 'pattern') return `${where} has characters or a form that is not allowed`;
  return `${where} ${v.message ?? 'is invalid'}`;
}

function errorsPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) {
  app.setErrorHandler((error: FastifyError | VergeosRefusal, request, reply) => {
    if (error instanceof VergeosRefusal) {
      return reply
        .code(error.statusCode)
        .type('application/json; charset=utf-8')
        .send({ err: error.message, error: error.message });
    }
    if (error.validation) {
      return sendError(reply, 400, `Invalid request: ${validationMessage(error)}`, 'invalid_request');
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendError(reply, status, 'Internal error in Powerdeck', 'internal');
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'Request body too large (limit 4 KB)', 'body_too_large');
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(
        reply,
        415,
        'Unsupported content type: send application/json',
        'unsupported_media_type',
      );
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return sendError(reply, 400, 'Invalid request: the body is not valid JSON', 'invalid_json');
    }
    if (error instanceof SyntaxError) {
      return sendError(reply, 400, 'Invalid request: the body is not valid JSON', 'invalid_json');
    }
    return sendError(reply, status, error.message, error.code);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `Not found: ${request.method} ${request.url.split('?')[0] ?? ''}`, 'not_found'),
  );
  done();
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' });
