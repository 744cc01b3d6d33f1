// The fleet snapshot: what the BFF's poller keeps in memory and every browser reads from
// `GET /api/fleet` (or `GET /api/fleet/events`). Only the fields the UI uses: the schema is also
// the BFF's response allow-list.
import Type, { type Static } from 'typebox';
import { MACHINE_STATES, POWER_STATUSES } from './power';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const FleetVm = Type.Object({
  /** The VM's key (what `vm_actions` takes). */
  key: Type.Integer(),
  /** The machine key (what `machine_status` is keyed by). */
  machine: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  osFamily: Type.String(),
  /** Configured cores and RAM (MB): what a start needs. */
  cpuCores: Type.Integer(),
  ram: Type.Integer(),
  /** Whether the guest agent is enabled in the VM's configuration. */
  guestAgent: Type.Boolean(),
  /** Whether a guest agent is reporting now (machine_status.agent_version is set). */
  agentReporting: Type.Boolean(),
  status: Type.Enum(POWER_STATUSES),
  state: Nullable(Type.Enum(MACHINE_STATES)),
  running: Type.Boolean(),
  powerstate: Type.Boolean(),
  node: Nullable(Type.Integer()),
  nodeName: Nullable(Type.String()),
  runningCores: Type.Integer(),
  runningRam: Type.Integer(),
  /** Epoch seconds of the last start (kept while stopped), or null. */
  started: Nullable(Type.Integer()),
  /** VergeOS's own `last_update` (epoch seconds) for this machine's status. */
  lastUpdate: Nullable(Type.Integer()),
  statusInfo: Type.String(),
});
export type FleetVm = Static<typeof FleetVm>;

export const FleetNode = Type.Object({
  key: Type.Integer(),
  name: Type.String(),
  /** Capacity for VMs. */
  cores: Type.Integer(),
  ram: Type.Integer(),
  /** In use by running VMs (summed from the VM list). */
  runningCores: Type.Integer(),
  runningRam: Type.Integer(),
  runningVms: Type.Integer(),
  maintenance: Type.Boolean(),
});
export type FleetNode = Static<typeof FleetNode>;

export const FleetSnapshot = Type.Object({
  /**
   * When this content was fetched (ISO 8601), or null before the first successful poll. A poll that finds nothing
   * changed keeps the snapshot (and its ETag) as it is, so this is the time of the last change seen, not how fresh
   * the data is. How fresh it is: the `x-powerdeck-data-age` header of every answer (DATA_AGE_HEADER in
   * ./fleet-terms), and `staleSince` while stale.
   */
  fetchedAt: Nullable(Type.String()),
  /** True when the last poll failed (the last good data is kept) or no poll has succeeded yet. */
  stale: Type.Boolean(),
  /** Why the data is stale, in words. */
  staleReason: Nullable(Type.String()),
  /**
   * While stale: since when the data has been out of date (ISO 8601), which is when VergeOS last answered a poll
   * successfully (the data is as of then), not when a poll first failed (for a VergeOS that hangs, that is a poll
   * interval and a read timeout later). Before VergeOS ever answered: when the BFF started polling (after the
   * first failed poll; null until then). Null while current. It changes only when polls start failing, so the
   * ETag stays the same through an outage.
   */
  staleSince: Nullable(Type.String()),
  /** How often the BFF polls VergeOS right now (ms): faster while VMs change, slower while backing off. */
  pollIntervalMs: Type.Integer(),
  /**
   * The BFF's normal cadence (ms, POWERDECK_POLL_INTERVAL_MS): what "three poll intervals" counts in (the wall's
   * STALE), so that an outage, which slows polling down, does not also delay saying so.
   */
  normalIntervalMs: Type.Integer(),
  vms: Type.Array(FleetVm),
  nodes: Type.Array(FleetNode),
});
export type FleetSnapshot = Static<typeof FleetSnapshot>;

/** What the UI needs to know about the BFF itself. */
export const AppInfo = Type.Object({
  /** True when the BFF runs against its embedded simulator ("demo against a simulated VergeOS"). */
  demo: Type.Boolean(),
  /** The VergeOS host (no credentials), or "embedded simulator". */
  vergeos: Type.String(),
  version: Type.String(),
});
export type AppInfo = Static<typeof AppInfo>;

/**
 * VMs that stopped recently, and who stopped them: `GET /api/fleet/stops` (fleet:read; displays too). The BFF
 * watches each snapshot change: when a VM goes from a running status (running, starting, stopping, unresponsive,
 * migrating…) to `stopped` or `error`, it looks in the audit log for an accepted stop of that VM through Powerdeck
 * (shut down, force off, an operation's step) in the 10 minutes before and after the VM last came up (as far as
 * the BFF saw it come up); `by` names who did it, or is null: the VM went down
 * unexpectedly (a crash, a shut down from inside the guest or from VergeOS itself). A stop stays listed for
 * STOP_MEMORY_MS, or until the VM runs again.
 */
export const FleetStop = Type.Object({
  key: Type.Integer(),
  /** When the BFF saw it stop (ISO 8601). */
  at: Type.String(),
  /** The status it went to (`stopped` or `error`). */
  status: Type.String(),
  /** Who stopped it through Powerdeck (the audit log's actor), or null: down unexpectedly. */
  by: Nullable(Type.String()),
});
export type FleetStop = Static<typeof FleetStop>;

export const FleetStops = Type.Object({ stops: Type.Array(FleetStop) });
export type FleetStops = Static<typeof FleetStops>;

/** How long a stop stays listed (an hour). */
export const STOP_MEMORY_MS = 60 * 60_000;
