// Everything a running simulator holds, shared by its routes.

import type { Socket } from 'node:net';
import type { Auth } from './auth';
import type { Cluster } from './cluster';
import type { Catalog } from './query/types';
import type { Scenarios } from './scenarios';
import type { Stats } from './stats';

export interface SimContext {
  readonly cluster: Cluster;
  readonly catalog: Catalog;
  readonly auth: Auth;
  readonly scenarios: Scenarios;
  readonly stats: Stats;
  /** Timers of the `slow` scenario still waiting: cleared on close. */
  readonly timers: Set<NodeJS.Timeout>;
  /** Sockets of requests the `hang` scenario swallowed: destroyed on close. */
  readonly hung: Set<Socket>;
  /** Back to the seeded fleet, scenario none, stats cleared. */
  reset(): void;
}
