// What reached "VergeOS": every API request counted by method and route pattern, a bounded log of recent
// requests with the credentials they carried, and the power actions accepted.

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
  scenario: ScenarioName;
}

const LOG_LIMIT = 500;

export class Stats {
  private requests = new Map<string, number>();
  private actions = new Map<string, number>();
  private log: RequestLogEntry[] = [];
  private total = 0;
  private seq = 0;

  /** Counts a request and opens its log entry. */
  record(entry: Omit<RequestLogEntry, 'seq' | 'status'>): RequestLogEntry {
    const key = `${entry.method} ${entry.route}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.total += 1;
    this.seq += 1;
    const full: RequestLogEntry = { ...entry, seq: this.seq, status: null };
    this.log.push(full);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    return full;
  }

  countAction(action: string): void {
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
  }

  clear(): void {
    this.requests = new Map();
    this.actions = new Map();
    this.log = [];
    this.total = 0;
    this.seq = 0;
  }

  snapshot(scenario: ScenarioName): SimStats {
    return {
      requests: Object.fromEntries(this.requests),
      total: this.total,
      actions: Object.fromEntries(this.actions),
      log: this.log.map((e) => ({ ...e, auth: { ...e.auth }, headers: { ...e.headers } })),
      scenario,
    };
  }
}
