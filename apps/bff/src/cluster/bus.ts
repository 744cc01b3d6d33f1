// Events between servers sharing one PostgreSQL database: LISTEN/NOTIFY on one dedicated connection per server.
// Payloads are ids and small facts, never bodies (NOTIFY caps a payload at 8000 bytes; a snapshot is read from its
// table). A notification can be lost while a server is disconnected, so on every (re)connection the bus calls its
// `onResync` handlers: each listener re-reads what it keeps (the fleet snapshot, the running operations).
import pg from 'pg';

type LogFn = (obj: object, msg: string) => void;

export interface BusLog {
  info: LogFn;
  warn: LogFn;
}

export interface BusOptions {
  url: string;
  /** Passed to pg.Client (TLS). */
  ssl?: pg.ClientConfig['ssl'];
  log: BusLog;
  /** First delay before reconnecting, doubling to at most 5 s (default 200 ms). */
  retryMs?: number;
}

/** The channels Powerdeck uses (one place, so that a typo cannot split a channel). */
export const CHANNELS = {
  /** The leader stored a new fleet snapshot or polled again: `{"etag","lastSuccessAt"}`. */
  fleet: 'powerdeck_fleet',
  /** A server asks the leader to poll now and fast (an action was accepted through it). */
  fleetWake: 'powerdeck_fleet_wake',
  /** The leader stored a new list of recent stops: its version. */
  fleetStops: 'powerdeck_fleet_stops',
  /** An operation changed: its id. */
  operation: 'powerdeck_operation',
  /** A command for the leader's engine or scheduler was queued, or answered: its id. */
  command: 'powerdeck_command',
  commandDone: 'powerdeck_command_done',
  /** A schedule changed through some server: the leader's scheduler looks again. */
  schedules: 'powerdeck_schedules',
  /** An alert delivery was queued through some server (an admin's test): the leader's worker looks now. */
  alerts: 'powerdeck_alerts',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export class Bus {
  private client: pg.Client | null = null;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly resyncs = new Set<() => void>();
  private closed = false;
  private retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private connected: Promise<void> | null = null;

  constructor(private readonly options: BusOptions) {
    this.retryMs = options.retryMs ?? 200;
  }

  /** Connects and LISTENs on every channel; resolves once listening (or rejects on the first failure). */
  start(): Promise<void> {
    this.connected ??= this.connect();
    return this.connected;
  }

  /** Whether the listening connection is up. */
  get up(): boolean {
    return this.client !== null;
  }

  on(channel: Channel, handler: (payload: string) => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called after every (re)connection: re-read what notifications may have been missed. */
  onResync(handler: () => void): () => void {
    this.resyncs.add(handler);
    return () => this.resyncs.delete(handler);
  }

  /** Sends a notification through a pool (or this bus's connection); it reaches this server's handlers too. */
  async notify(channel: Channel, payload: string, via?: pg.Pool | pg.PoolClient): Promise<void> {
    const target = via ?? this.client;
    if (!target) throw new Error('the event bus is not connected');
    await target.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'powerdeck-bus',
      ...(this.options.ssl !== undefined ? { ssl: this.options.ssl } : {}),
    });
    client.on('notification', (msg) => {
      const set = this.handlers.get(msg.channel);
      if (!set) return;
      for (const h of set) {
        try {
          h(msg.payload ?? '');
        } catch (err) {
          this.options.log.warn(
            { err: (err as Error).message, channel: msg.channel },
            'an event handler failed',
          );
        }
      }
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.log.warn(
        { err: err?.message ?? 'connection ended' },
        'lost the event connection to the database; reconnecting',
      );
      this.retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.retryMs = this.options.retryMs ?? 200;
    for (const r of this.resyncs) r();
  }

  private retry(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.connect().catch((err: unknown) => {
        this.options.log.warn({ err: (err as Error).message }, 'cannot reconnect the event connection yet');
        this.retryMs = Math.min(this.retryMs * 2, 5000);
        this.retry();
      });
    }, this.retryMs);
    this.timer.unref();
  }
}
