// Typed errors. Every error this package throws is a VergeError; none of them carries a credential (the transport
// redacts the API key, password and session tokens from anything it puts in an error).

import type { MachineStatus, MachineStatusValue } from './types';

/** Stable, machine-readable names of the failures, one per class. */
export type VergeErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'unprocessable'
  | 'server_error'
  | 'bad_gateway'
  | 'service_unavailable'
  | 'gateway_timeout'
  | 'insufficient_resources'
  | 'http_error'
  | 'network'
  | 'tls'
  | 'timeout'
  | 'aborted'
  | 'invalid_response'
  | 'power_state'
  | 'wait_timeout'
  | 'closed';

interface VergeErrorOptions {
  method?: string | undefined;
  path?: string | undefined;
  cause?: unknown;
}

/** Base of every error of this package. */
export class VergeError extends Error {
  readonly code: VergeErrorCode;
  /** HTTP method of the request that failed, when there was one. */
  readonly method: string | undefined;
  /** Path and query of the request that failed (no host, no credentials). */
  readonly path: string | undefined;

  constructor(code: VergeErrorCode, message: string, options: VergeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.method = options.method;
    this.path = options.path;
  }
}

export interface VergeApiErrorInit {
  status: number;
  /** VergeOS's message (`err` or `error` of the body), or a generic one when the body has neither. */
  message: string;
  /** The raw response body (redacted of credentials). */
  body: string;
  method: string;
  path: string;
  /** How many attempts were made (reads retry some failures). */
  attempts?: number;
}

/**
 * VergeOS answered with an HTTP error. `message` is VergeOS's own message (read from `err`, which real systems send,
 * or `error`, which the guide shows); `status`, `body`, `method` and `path` say the rest.
 */
export class VergeApiError extends VergeError {
  readonly status: number;
  readonly body: string;
  readonly attempts: number;

  constructor(init: VergeApiErrorInit, code: VergeErrorCode = 'http_error') {
    super(code, init.message, { method: init.method, path: init.path });
    this.status = init.status;
    this.body = init.body;
    this.attempts = init.attempts ?? 1;
  }
}

/** 400: the request was malformed. */
export class VergeBadRequestError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'bad_request');
  }
}
/** 401: no or wrong credentials (or an expired session token, after one re-login). */
export class VergeUnauthorizedError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'unauthorized');
  }
}
/** 403: valid credentials without the permission for the operation (e.g. a read-only key sending an action). */
export class VergeForbiddenError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'forbidden');
  }
}
/** 404: unknown VM, machine or row. */
export class VergeNotFoundError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'not_found');
  }
}
/** 405: the table does not allow the method. */
export class VergeMethodNotAllowedError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'method_not_allowed');
  }
}
/** 408: VergeOS timed the operation out (an unresponsive VM, a cluster communication failure). */
export class VergeRequestTimeoutError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'request_timeout');
  }
}
/** 409: the VM is in the wrong state for the action (already running, not running, still starting). */
export class VergeConflictError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'conflict');
  }
}
/** 422: an invalid argument (unknown action, malformed filter, unsupported operator). */
export class VergeUnprocessableError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'unprocessable');
  }
}
/** 500: hypervisor, node or storage failure. */
export class VergeServerError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'server_error');
  }
}
/** 502: a proxy in front of VergeOS could not reach it. */
export class VergeBadGatewayError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'bad_gateway');
  }
}
/** 503: VergeOS (or a proxy) is temporarily unavailable. */
export class VergeServiceUnavailableError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'service_unavailable');
  }
}
/** 504: a proxy in front of VergeOS timed out. */
export class VergeGatewayTimeoutError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'gateway_timeout');
  }
}
/** 507: not enough cluster CPU or RAM to start the VM. */
export class VergeInsufficientResourcesError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'insufficient_resources');
  }
}

const byStatus: Readonly<Record<number, new (init: VergeApiErrorInit) => VergeApiError>> = {
  400: VergeBadRequestError,
  401: VergeUnauthorizedError,
  403: VergeForbiddenError,
  404: VergeNotFoundError,
  405: VergeMethodNotAllowedError,
  408: VergeRequestTimeoutError,
  409: VergeConflictError,
  422: VergeUnprocessableError,
  500: VergeServerError,
  502: VergeBadGatewayError,
  503: VergeServiceUnavailableError,
  504: VergeGatewayTimeoutError,
  507: VergeInsufficientResourcesError,
};

/** The typed error for an HTTP error answer (the base class for codes without their own). */
export function apiErrorFor(init: VergeApiErrorInit): VergeApiError {
  const Ctor = byStatus[init.status];
  return Ctor ? new Ctor(init) : new VergeApiError(init);
}

interface NetworkErrorOptions extends VergeErrorOptions {
  attempts?: number;
  /** The system error code behind it (`ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`, ...), when known. */
  causeCode?: string | undefined;
}

/** No answer: connection refused or reset, DNS failure, TLS failure (see `VergeTlsError`), ... */
export class VergeNetworkError extends VergeError {
  readonly attempts: number;
  readonly causeCode: string | undefined;
  constructor(message: string, options: NetworkErrorOptions = {}, code: VergeErrorCode = 'network') {
    super(code, message, options);
    this.attempts = options.attempts ?? 1;
    this.causeCode = options.causeCode;
  }
}

/** The TLS handshake failed: the server's certificate is not trusted (wrong or missing CA), expired, or for another host. */
export class VergeTlsError extends VergeNetworkError {
  constructor(message: string, options: NetworkErrorOptions = {}) {
    super(message, options, 'tls');
  }
}

/** No answer within the client's per-request `timeoutMs`. */
export class VergeTimeoutError extends VergeNetworkError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options: NetworkErrorOptions = {}) {
    const where = options.method && options.path ? ` (${options.method} ${options.path})` : '';
    super(`no answer from VergeOS within ${timeoutMs} ms${where}`, options, 'timeout');
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. */
export class VergeAbortError extends VergeError {
  constructor(options: VergeErrorOptions = {}) {
    super('aborted', 'the operation was aborted', options);
  }
}

/** A 2xx answer whose body is not the JSON expected. */
export class VergeInvalidResponseError extends VergeApiError {
  constructor(init: VergeApiErrorInit) {
    super(init, 'invalid_response');
  }
}

/** The client was closed; make a new one. */
export class VergeClientClosedError extends VergeError {
  constructor() {
    super('closed', 'the VergeOS client is closed');
  }
}

/** While waiting for `running`, the machine reached status `error`; `statusInfo` says why (VergeOS's text). */
export class VergePowerStateError extends VergeError {
  readonly status: MachineStatusValue;
  readonly statusInfo: string;
  readonly machineStatus: MachineStatus;
  readonly elapsedMs: number;
  constructor(machineStatus: MachineStatus, elapsedMs: number) {
    const info = machineStatus.status_info || 'no status_info';
    super('power_state', `machine ${machineStatus.machine} is in status '${machineStatus.status}': ${info}`);
    this.status = machineStatus.status;
    this.statusInfo = machineStatus.status_info;
    this.machineStatus = machineStatus;
    this.elapsedMs = elapsedMs;
  }
}

/** `waitForPowerState` did not see the desired state in time. */
export class VergeWaitTimeoutError extends VergeError {
  readonly desired: string;
  readonly timeoutMs: number;
  readonly elapsedMs: number;
  /** The last status observed, if any poll succeeded. */
  readonly lastStatus: MachineStatusValue | undefined;
  readonly lastMachineStatus: MachineStatus | undefined;
  constructor(init: {
    desired: string;
    timeoutMs: number;
    elapsedMs: number;
    last: MachineStatus | undefined;
    cause?: unknown;
  }) {
    const last = init.last ? `; last status '${init.last.status}'` : '; no status observed';
    super('wait_timeout', `VM did not reach '${init.desired}' within ${init.timeoutMs} ms${last}`, {
      cause: init.cause,
    });
    this.desired = init.desired;
    this.timeoutMs = init.timeoutMs;
    this.elapsedMs = init.elapsedMs;
    this.lastStatus = init.last?.status;
    this.lastMachineStatus = init.last;
  }
}
