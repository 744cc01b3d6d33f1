// What reached "VergeOS": every API request counted by method and route pattern, a bounded log of recent
// requests with the credentials they carried (a power action also with the VM and action it named, and in a longer
// log of its own), and the power actions accepted.

import type { AuthScheme } from './auth';
import type { ScenarioName } from './scenarios';

export interface RequestLogEntry {
  /** 1, 2, 3... since the stats were last cleared. */
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  method: string;
  url: string;
  /** Route pattern, e.g. `/api/v4/vms/:key`; `(unmatched)` for unknown paths. */
  route: string;
  /** Status answered; null while pending, or forever for a request the `hang` scenario swallowed. */
  status: number | null;
  auth: {
    scheme: AuthScheme;
    /** The API key, the Basic login, or the session token presented. */
    credential: string | null;
    /** Whom the credentials belong to; null when they were missing or wrong. */
    user: string | null;
  };
  /** The credential headers exactly as received. */
  headers: { authorization?: string; cookie?: string; 'x-yottabyte-token'?: string };
  /** The caller's `x-request-id` (Powerdeck's BFF sends its own request id), or null. */
  requestId: string | null;
  /**
   * A power action (`POST /api/v4/vm_actions`): the VM key and the action its body names, so that a test can tell
   * what each VM was sent; null when the body does not name them (or was never read: a scenario or the
   * credentials turned the request away first), and for every other request.
   */
  vm: number | null;
  action: string | null;
  scenario: ScenarioName;
}

export interface SimStats {
  /** Requests per `METHOD /route/pattern`, e.g. {"GET /api/v4/vms": 12, "POST /api/v4/vm_actions": 3}. */
  requests: Record<string, number>;
  total: number;
  /** Power actions accepted (answered 201), per action, e.g. {"poweron": 2}. */
  actions: Record<string, number>;
  /** The most recent requests, oldest first (at most LOG_LIMIT). */
  log: RequestLogEntry[];
  /**
   * Every power action request (`POST /api/v4/vm_actions`, accepted or not), oldest first (at most
   * ACTION_LOG_LIMIT): the same entries as in `log`, kept apart so that a long run of polls does not push them out
   * before a test counts what each VM was sent.
   */
  actionLog: RequestLogEntry[];
  scenario: ScenarioName;
}

const LOG_LIMIT = 500;
const ACTION_LOG_LIMIT = 10_000;
const ACTION_ROUTE = '/api/v4/vm_actions';

const copy = (e: RequestLogEntry): RequestLogEntry => ({
  ...e,
  auth: { ...e.auth },
  headers: { ...e.headers },
});

export class Stats {
  private requests = new Map<string, number>();
  private actions = new Map<string, number>();
  private log: RequestLogEntry[] = [];
  private actionLog: RequestLogEntry[] = [];
  private total = 0;
  private seq = 0;

  /** Counts a request and opens its log entry. */
  record(entry: Omit<RequestLogEntry, 'seq' | 'status' | 'vm' | 'action'>): RequestLogEntry {
    const key = `${entry.method} ${entry.route}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.total += 1;
    this.seq += 1;
    const full: RequestLogEntry = { ...entry, seq: this.seq, status: null, vm: null, action: null };
    this.log.push(full);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    if (entry.method === 'POST' && entry.route === ACTION_ROUTE) {
      this.actionLog.push(full);
      if (this.actionLog.length > ACTION_LOG_LIMIT) {
        this.actionLog.splice(0, this.actionLog.length - ACTION_LOG_LIMIT);
      }
    }
    return full;
  }

  /** A power action's body, once read: what it names goes on its log entry (see RequestLogEntry.vm). */
  noteActionBody(entry: RequestLogEntry, body: unknown): void {
    if (entry.method !== 'POST' || entry.route !== ACTION_ROUTE) return;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
    const { vm, action } = body as Record<string, unknown>;
    // VergeOS takes the key as a number or a string of digits.
    if (typeof vm === 'number' && Number.isSafeInteger(vm)) entry.vm = vm;
    else if (typeof vm === 'string' && /^[0-9]{1,15}$/.test(vm)) entry.vm = Number(vm);
    if (typeof action === 'string') entry.action = action.slice(0, 64);
  }

  countAction(action: string): void {
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
  }

  clear(): void {
    this.requests = new Map();
    this.actions = new Map();
    this.log = [];
    this.actionLog = [];
    this.total = 0;
    this.seq = 0;
  }

  snapshot(scenario: ScenarioName): SimStats {
    return {
      requests: Object.fromEntries(this.requests),
      total: this.total,
      actions: Object.fromEntries(this.actions),
      log: this.log.map(copy),
      actionLog: this.actionLog.map(copy),
      scenario,
    };
  }
}
