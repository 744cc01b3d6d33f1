// The test OpenID provider as its own process, for the end-to-end suite (Playwright's webServer):
//   node --import tsx packages/test-oidc-provider/src/cli.ts --port 9400 --config oidc.json
// oidc.json: { "issuer"?: string, "clients": TestClient[], "users": TestUser[] } (see ./index.ts).
// It prints `test OIDC provider at <issuer>` once it listens. It ends by itself when the process that started it
// ends (it watches its parent, as PostgreSQL's watchdog in scripts/pg-cluster.mjs does), or on SIGTERM/SIGINT.
// Groups change between sign-ins through its control route:
//   curl -X POST <issuer>/__oidc/users/<login> -d '{"groups":["pd-admins"]}'
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startTestProvider, type TestClient, type TestUser } from './index';

const USAGE = `Usage: node --import tsx packages/test-oidc-provider/src/cli.ts --config FILE [--port N]

  --config FILE   JSON: { "issuer"?: string, "clients": [...], "users": [...] }
  --port N        port on 127.0.0.1 (default 0: a free one)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { port: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  strict: true,
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!values.config) fail('--config is required');
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be 0 to 65535 (got '${values.port}')`);

let config: { issuer?: string; clients?: TestClient[]; users?: TestUser[] };
try {
  config = JSON.parse(readFileSync(values.config, 'utf8')) as typeof config;
} catch (err) {
  fail(`--config ${values.config}: ${String(err)}`);
}
if (!Array.isArray(config.clients) || !Array.isArray(config.users))
  fail(`--config ${values.config}: needs "clients" and "users" arrays`);

const provider = await startTestProvider({
  port,
  issuer: config.issuer,
  clients: config.clients,
  users: config.users,
});
process.stdout.write(`test OIDC provider at ${provider.issuer}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void provider.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The watchdog: when the parent ends, this process is handed to another (its ppid changes): stop.
const parent = process.ppid;
const alive = () => {
  try {
    process.kill(parent, 0);
    return process.ppid === parent;
  } catch {
    return false;
  }
};
setInterval(() => {
  if (!alive()) stop();
}, 500).unref();
