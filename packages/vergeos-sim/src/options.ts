// Simulator options: defaults and validation. An invalid option throws an Error that names it.

import { MAX_NODES, MAX_VMS } from './fleet';
import { SCENARIOS, isScenarioName, type ScenarioName } from './scenarios';

export interface SimulatorOptions {
  /** 0 = a random free port (the default). */
  port?: number;
  /** Interface to bind: 127.0.0.1 by default. */
  host?: string;
  /** HTTPS with a generated CA and server certificate. */
  tls?: boolean;
  /** Number of VMs, 1 to 10,000 (default 24); snapshots come on top. */
  vms?: number;
  /** Number of nodes, 1 to 32 (default 4). */
  nodes?: number;
  apiKey?: string;
  readOnlyApiKey?: string;
  username?: string;
  password?: string;
  /** Seed of the fleet and of the `flaky` scenario (default 1). */
  seed?: number;
  /** Multiplies every power transition time: 0.01 is 100 times faster (default 1). */
  timeScale?: number;
  scenario?: ScenarioName;
  /** Fastify's request logger (default off). */
  logger?: boolean;
}

type ResolvedOptions = Required<SimulatorOptions>;

const DEFAULTS: ResolvedOptions = {
  port: 0,
  host: '127.0.0.1',
  tls: false,
  vms: 24,
  nodes: 4,
  apiKey: 'sim-admin-key',
  readOnlyApiKey: 'sim-readonly-key',
  username: 'admin',
  password: 'admin',
  seed: 1,
  timeScale: 1,
  scenario: 'none',
  logger: false,
};

function fail(name: string, rule: string, value: unknown): never {
  throw new Error(
    `Invalid simulator option '${name}': ${rule} (got ${JSON.stringify(value) ?? String(value)})`,
  );
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(name, `must be an integer from ${min} to ${max}`, value);
  return value;
}

function text(name: string, value: unknown, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || /[\r\n]/.test(value))
    fail(name, allowEmpty ? 'must be a string on one line' : 'must be a non-empty string on one line', value);
  return value;
}

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(name, 'must be true or false', value);
  return value;
}

export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') fail('options', 'must be an object', options);
  const known = new Set(Object.keys(DEFAULTS));
  for (const name of Object.keys(options))
    if (!known.has(name)) fail(name, 'is not a simulator option', name);
  const o = { ...DEFAULTS };
  for (const [name, value] of Object.entries(options) as [keyof SimulatorOptions, unknown][])
    if (value !== undefined) (o as Record<string, unknown>)[name] = value;

  const timeScale = o.timeScale as unknown;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale < 0)
    fail('timeScale', 'must be a number of 0 or more', timeScale);
  const scenario = o.scenario as unknown;
  if (!isScenarioName(scenario)) fail('scenario', `must be one of ${SCENARIOS.join(', ')}`, scenario);
  const resolved: ResolvedOptions = {
    port: integer('port', o.port, 0, 65535),
    host: text('host', o.host),
    tls: flag('tls', o.tls),
    vms: integer('vms', o.vms, 1, MAX_VMS),
    nodes: integer('nodes', o.nodes, 1, MAX_NODES),
    apiKey: text('apiKey', o.apiKey),
    readOnlyApiKey: text('readOnlyApiKey', o.readOnlyApiKey),
    username: text('username', o.username),
    password: text('password', o.password, true),
    seed: integer('seed', o.seed, 0, 2 ** 32 - 1),
    timeScale,
    scenario,
    logger: flag('logger', o.logger),
  };
  if (resolved.username.includes(':'))
    fail('username', 'must not contain ":" (HTTP Basic splits on it)', resolved.username);
  if (resolved.readOnlyApiKey === resolved.apiKey)
    fail('readOnlyApiKey', 'must differ from apiKey', resolved.readOnlyApiKey);
  return resolved;
}
