// The simulator on its own: `npm run sim -- --port 9443 [--tls] [--vms 200] [--seed 7] [--time-scale 0.1]`.
// Prints its URL and credentials; stops on Ctrl-C. Bad arguments print an error naming the flag, exit 2.

import { parseArgs } from 'node:util';
import { MAX_NODES, MAX_VMS } from './fleet';
import type { SimulatorOptions } from './options';
import { SCENARIOS, isScenarioName } from './scenarios';
import { createSimulator, type Simulator } from './simulator';

const USAGE = `Usage: npm run sim -- [options]

  --port N            port to listen on (default 0: a free port)
  --host ADDR         interface to bind (default 127.0.0.1)
  --tls               serve HTTPS with a generated CA (its PEM file is printed, to pin it)
  --vms N             number of VMs, 1 to ${MAX_VMS} (default 24)
  --nodes N           number of nodes, 1 to ${MAX_NODES} (default 4)
  --api-key KEY       admin API key (default sim-admin-key)
  --read-only-api-key KEY  read-only API key (default sim-readonly-key)
  --username NAME     login for HTTP Basic and /api/sys/tokens (default admin)
  --password PASS     its password (default admin)
  --seed N            seed of the fleet and of the flaky scenario (default 1)
  --time-scale F      multiply power transition times: 0.01 is 100x faster (default 1)
  --scenario NAME     start in a scenario: ${SCENARIOS.join(', ')}
  --logger            log every request
  -h, --help          this text
`;

export class UsageError extends Error {}

function integerFlag(flag: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value.trim()))
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got '${value}')`);
  const n = Number(value);
  if (n < min || n > max)
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got ${n})`);
  return n;
}

function textFlag(flag: string, value: string): string {
  if (value.trim() === '' || value.startsWith('--'))
    throw new UsageError(`--${flag} needs a value (got '${value}')`);
  return value;
}

/** Turns command-line arguments into simulator options, or throws a UsageError naming the flag. */
export function parseCli(argv: readonly string[]): SimulatorOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      // `pnpm run sim -- --port 1` may pass the `--` through.
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        tls: { type: 'boolean' },
        vms: { type: 'string' },
        nodes: { type: 'string' },
        'api-key': { type: 'string' },
        'read-only-api-key': { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        seed: { type: 'string' },
        'time-scale': { type: 'string' },
        scenario: { type: 'string' },
        logger: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      /ambiguous/.test(message)
        ? `${message.split('\n')[0]} To pass a negative value write --flag=VALUE.`
        : message,
    );
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const options: SimulatorOptions = {};
  if (v.port !== undefined) options.port = integerFlag('port', v.port, 0, 65535);
  if (v.host !== undefined) options.host = textFlag('host', v.host);
  if (v.tls) options.tls = true;
  if (v.vms !== undefined) options.vms = integerFlag('vms', v.vms, 1, MAX_VMS);
  if (v.nodes !== undefined) options.nodes = integerFlag('nodes', v.nodes, 1, MAX_NODES);
  if (v['api-key'] !== undefined) options.apiKey = textFlag('api-key', v['api-key']);
  if (v['read-only-api-key'] !== undefined)
    options.readOnlyApiKey = textFlag('read-only-api-key', v['read-only-api-key']);
  if (v.username !== undefined) options.username = textFlag('username', v.username);
  if (v.password !== undefined) options.password = v.password;
  if (v.seed !== undefined) options.seed = integerFlag('seed', v.seed, 0, 2 ** 32 - 1);
  if (v['time-scale'] !== undefined) {
    const raw = v['time-scale'];
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new UsageError(`--time-scale must be a number of 0 or more, e.g. 0.01 (got '${raw}')`);
    options.timeScale = n;
  }
  if (v.scenario !== undefined) {
    if (!isScenarioName(v.scenario))
      throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')} (got '${v.scenario}')`);
    options.scenario = v.scenario;
  }
  if (v.logger) options.logger = true;
  return options;
}

export function banner(sim: Simulator, o: SimulatorOptions): string {
  const lines = [
    `VergeOS API v4 simulator listening on ${sim.url}`,
    `  API key (admin):      ${sim.apiKey}`,
    `  API key (read-only):  ${sim.readOnlyApiKey}`,
    `  Login (Basic/tokens): ${sim.username} / ${sim.password}`,
  ];
  if (sim.caFile) lines.push(`  CA certificate (pin): ${sim.caFile}`);
  lines.push(
    `  Fleet: ${o.vms ?? 24} VMs on ${o.nodes ?? 4} nodes, seed ${o.seed ?? 1}, time scale ${o.timeScale ?? 1}, scenario ${o.scenario ?? 'none'}`,
    `  Try:   curl ${sim.caFile ? `--cacert ${sim.caFile} ` : ''}-H 'Authorization: Bearer ${sim.apiKey}' '${sim.url}/api/v4/vms/42?fields=most'`,
    `  Control API (no auth): ${sim.url}/__sim/`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  let options: SimulatorOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`vergeos-sim: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  let sim: Simulator;
  try {
    sim = await createSimulator(options);
  } catch (error) {
    process.stderr.write(`vergeos-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${banner(sim, options)}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const entry = process.argv[1] ?? '';
if (/cli\.[cm]?[jt]s$/.test(entry)) void main();
