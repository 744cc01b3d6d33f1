// @powerdeck/vergeos-client: a typed VergeOS API v4 client.
export { createVergeClient, toKey, MACHINE_STATUS_FIELDS, DEFAULT_VM_FIELDS } from './client';
export type {
  ActionInput,
  FieldsOptions,
  MachineStatusListOptions,
  NodeListOptions,
  VergeClient,
  VergeClientOptions,
  VmListOptions,
} from './client';
export {
  VergeAbortError,
  VergeApiError,
  VergeBadGatewayError,
  VergeBadRequestError,
  VergeClientClosedError,
  VergeConflictError,
  VergeError,
  VergeForbiddenError,
  VergeGatewayTimeoutError,
  VergeInsufficientResourcesError,
  VergeInvalidResponseError,
  VergeMethodNotAllowedError,
  VergeNetworkError,
  VergeNotFoundError,
  VergePowerStateError,
  VergeRequestTimeoutError,
  VergeServerError,
  VergeServiceUnavailableError,
  VergeTimeoutError,
  VergeTlsError,
  VergeUnauthorizedError,
  VergeUnprocessableError,
  VergeWaitTimeoutError,
  apiErrorFor,
} from './errors';
export type { VergeApiErrorInit, VergeErrorCode } from './errors';
export { FILTER_OPERATORS, Filter, escapeFilterString, filter, filterLiteral, filterText } from './filter';
export type { FilterInput, FilterOperator, FilterValue } from './filter';
export {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  RETRYABLE_STATUSES,
  buildQuery,
  encodeQueryValue,
  normaliseBaseUrl,
  vergeMessage,
} from './http';
export type { FetchInit, FetchLike, FetchResponseLike, RetryPolicy, TlsOptions, VergeAuth } from './http';
export { MACHINE_STATES, MACHINE_STATUSES, VM_ACTIONS, isMachineStatusValue } from './types';
export type {
  ActionReceipt,
  CallOptions,
  ListOptions,
  MachineState,
  MachineStatus,
  MachineStatusValue,
  NodeRow,
  VmAction,
  VmActionParams,
  VmActionRequest,
  VmKey,
  VmRow,
} from './types';
export {
  ACTION_OUTCOME,
  DEFAULT_POLL_INTERVAL_MS,
  DESIRED_POWER_STATES,
  POWER_TIMEOUTS_MS,
  waitForPowerState,
} from './wait';
export type { DesiredPowerState, PowerProgress, PowerStateSource, WaitForPowerStateOptions } from './wait';
