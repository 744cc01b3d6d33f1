// VMs of the simulator's seeded fleet (24 VMs on node1..node4, seed 1) that the specs use. Each spec still sets
// the state it relies on through the simulator, so these are names and keys, not assumptions about state.
export interface SeedVm {
  key: number;
  name: string;
}

export const VM = {
  /** Running on node1 when seeded; 16 cores, 32 GB. */
  web01: { key: 1, name: 'web-01' },
  /** Stopped when seeded; 4 cores, 8 GB. */
  db01: { key: 5, name: 'db-01' },
  /** In error when seeded, with a status_info. */
  api01: { key: 7, name: 'api-01' },
  /** Stopped when seeded; 2 cores, 8 GB. */
  sql01: { key: 10, name: 'sql-01' },
  /** Running on node3 when seeded; 4 cores, 4 GB. */
  web02: { key: 30, name: 'web-02' },
  /** Running on node3 when seeded; 2 cores, 8 GB. */
  file02: { key: 31, name: 'file-02' },
  /** The power guide's VM 42: stopped when seeded; 3 cores, 16 GB. */
  test: { key: 42, name: 'test' },
  /** Running when seeded, no guest agent, ignores ACPI. */
  fw01: { key: 4, name: 'fw-01' },
} as const satisfies Record<string, SeedVm>;

/** The seeded VMs whose names contain `rds`, by name: rds-01 hibernated, the others running. */
export const RDS = [
  { key: 8, name: 'rds-01' },
  { key: 25, name: 'rds-02' },
  { key: 27, name: 'rds-03' },
  { key: 29, name: 'rds-04' },
] as const satisfies readonly SeedVm[];

/** The seeded VMs whose names contain `cache`, by name: cache-01 stopped, the others running. */
export const CACHE = [
  { key: 13, name: 'cache-01' },
  { key: 14, name: 'cache-02' },
  { key: 21, name: 'cache-03' },
] as const satisfies readonly SeedVm[];

export const NODE_KEYS = [1, 2, 3, 4] as const;
