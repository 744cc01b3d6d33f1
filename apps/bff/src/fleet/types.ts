// The contract between the fleet poller (plugins/fleet-poller.ts) and the rest of the BFF.
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';

export interface FleetState {
  readonly snapshot: FleetSnapshot;
  /** A strong ETag of the snapshot's serialised body (quoted), changing whenever the body changes. */
  readonly etag: string;
  /**
   * The snapshot serialised once (JSON, one line), built only from contract fields: what `GET /api/fleet` and the
   * event stream send as they are.
   */
  readonly body: string;
}

/** What the poller is doing, for `/readyz`, logs and tests. */
export interface FleetPollerStatus {
  /** When the last poll succeeded (epoch ms), or null before the first success. */
  readonly lastSuccessAt: number | null;
  /** When the last poll failed (epoch ms), or null. */
  readonly lastFailureAt: number | null;
  /** Polls that failed in a row (0 after a success). */
  readonly consecutiveFailures: number;
  /** Polls started since the poller started (each one is 2 upstream requests). */
  readonly polls: number;
  /** A poll is in flight. */
  readonly polling: boolean;
  /** A next poll is scheduled (false once stopped). */
  readonly scheduled: boolean;
  /** The current cadence (ms): normal, fast, or the backoff delay. */
  readonly pollIntervalMs: number;
  /** Listeners subscribed (e.g. open event streams). */
  readonly subscribers: number;
  readonly stopped: boolean;
}

export interface FleetPoller {
  /** The latest snapshot (the last good data, marked stale when polls fail). */
  current(): FleetState;
  /** Called with each new state (after a poll that changed something); returns an unsubscribe function. */
  subscribe(listener: (state: FleetState) => void): () => void;
  /** Poll as soon as the current poll (if any) ends. */
  wake(): void;
  /** VergeOS accepted an action: poll now, and poll fast for the fast window. */
  actionAccepted(): void;
  /**
   * VergeOS answered another request (one the gateway forwarded). While polls are failing, poll now instead of at
   * the end of the backoff (at most once per normal interval), so the fleet is live again as soon as VergeOS is.
   */
  upstreamAnswered(): void;
  /** When the last poll succeeded (epoch ms), or null before the first success. */
  lastSuccessAt(): number | null;
  /**
   * How old the data is (ms): the time since the last successful poll, by the poller's clock; null before the first
   * success. Served as DATA_AGE_HEADER with every `GET /api/fleet`.
   */
  dataAgeMs(): number | null;
  /** Counters and flags (see FleetPollerStatus). */
  status(): FleetPollerStatus;
}

declare module 'fastify' {
  interface FastifyInstance {
    fleet: FleetPoller;
  }
}
