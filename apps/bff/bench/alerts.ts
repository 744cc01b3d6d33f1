// Alerts under a storm: a node failure takes 1,000 of a 10,000-VM fleet down at once. The real app (SQLite stores,
// the fleet poller at its default 5 s cadence, the alert sources, dispatcher and worker) against the simulator in the
// same process, six targets (four signed webhooks, Slack, e-mail) on real receivers on 127.0.0.1 (HTTP servers and an
// SMTP server). Figures:
// 1. Storm: from the kill to each target's first message, how many messages each got (one digest each is right),
//    and how the dashboard's own reads fared meanwhile (GET /api/fleet through the app, p50/p99, every 100 ms).
// 2. Throughput: one test delivery to a target whose receiver never answers (each try waits the 10 s timeout), then
//    2,000 queued at once across the four webhook targets whose receivers answer after 50 ms: deliveries sent per
//    second while the hung one holds a lane (the worker sends to at most 4 targets at once).
// The digest's group wait is 5 s here (30 s by default): the figure "kill to message" is that wait plus a poll.
//
//   pnpm bench alerts   (from the repository root; binds 127.0.0.1 only; about a minute)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { AlertTargetCreated } from '@powerdeck/contracts/alerts';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { createSimulator } from '@powerdeck/vergeos-sim';
import { SMTPServer } from 'smtp-server';
import { benchApp, control, percentile } from './support';

const VMS = 10_000;
const DOWN = 1_000;
const TESTS = 2_000;
const GROUP_WAIT_MS = 5_000;

interface Receiver {
  url: string;
  /** Arrival times (performance.now) of the requests. */
  arrivals: number[];
  /** The first request's body. */
  first: string | null;
  close(): Promise<void>;
}

/** An HTTP receiver that answers 200 after `delayMs`, or never (`hang`). */
async function receiver(delayMs: number | 'hang'): Promise<Receiver> {
  const arrivals: number[] = [];
  let first: string | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push(performance.now());
      first ??= Buffer.concat(chunks).toString('utf8');
      if (delayMs === 'hang') return;
      setTimeout(() => res.end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    get first() {
      return first;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function smtp(): Promise<{ port: number; arrivals: number[]; close(): Promise<void> }> {
  const arrivals: number[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    hideSTARTTLS: true,
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => {
        arrivals.push(performance.now());
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, arrivals, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ms = (n: number) => `${n.toFixed(0)} ms`;

async function main(): Promise<void> {
  const sim = await createSimulator({ vms: VMS, timeScale: 1 });
  const hooks = await Promise.all([0, 0, 0, 0].map(() => receiver(50)));
  const slack = await receiver(50);
  const hung = await receiver('hang');
  const mail = await smtp();
  const { app, stores, close } = await benchApp(sim, 'alerts', {
    config: { poll: { intervalMs: 5_000, fastIntervalMs: 1_000, fastWindowMs: 60_000 } },
    alerts: { groupWaitMs: GROUP_WAIT_MS, pollMs: 1_000 },
  });
  try {
    await stores.users.create({ username: 'admin', role: 'admin', password: 'bench-password-123' });
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { username: 'admin', password: 'bench-password-123' },
    });
    const cookie = signIn.cookies.find((c) => c.name === 'pd_session')!.value;
    const headers = { cookie: `pd_session=${cookie}`, [CSRF_HEADER]: '1' };
    const make = async (body: Record<string, unknown>): Promise<string> => {
      const res = await app.inject({ method: 'POST', url: '/api/alerts/targets', headers, payload: body });
      if (res.statusCode !== 201)
        throw new Error(`POST /api/alerts/targets answered ${res.statusCode}: ${res.body}`);
      return res.json<AlertTargetCreated>().target.id;
    };
    const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
    const hookIds: string[] = [];
    for (const [i, h] of hooks.entries())
      hookIds.push(
        await make({ name: `Webhook ${i + 1}`, kind: 'webhook', webhook: { url: h.url, secret: secret() } }),
      );
    await make({ name: 'Slack', kind: 'slack', slack: { url: slack.url } });
    await make({
      name: 'Mail',
      kind: 'email',
      email: {
        host: '127.0.0.1',
        port: mail.port,
        security: 'none',
        from: 'pd@example.test',
        to: ['ops@example.test'],
      },
    });

    // 1. Storm.
    const running = app.fleet
      .current()
      .snapshot.vms.filter((v) => v.status === 'running')
      .slice(0, DOWN)
      .map((v) => v.key);
    const reads: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const t = performance.now();
        await app.inject({ method: 'GET', url: '/api/fleet', headers: { cookie: headers.cookie } });
        reads.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const killedAt = performance.now();
    for (const key of running) await control(sim, `vms/${key}`, 'PUT', { status: 'stopped' });
    const targets = [...hooks, slack];
    const deadline = killedAt + 60_000;
    while (performance.now() < deadline) {
      if (targets.every((t) => t.arrivals.length > 0) && mail.arrivals.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // A few seconds more: anything else that would arrive (it should not) does.
    await new Promise((resolve) => setTimeout(resolve, GROUP_WAIT_MS + 2_000));
    reading = false;
    await reader;
    const firsts = [...targets.map((t) => t.arrivals[0]), mail.arrivals[0]].map((a) =>
      a === undefined ? Number.NaN : a - killedAt,
    );
    const counts = [...targets.map((t) => t.arrivals.length), mail.arrivals.length];
    reads.sort((a, b) => a - b);
    console.log(
      `storm: ${running.length} of ${VMS} VMs stopped at once (set through the simulator's control API)`,
    );
    console.log(
      `  kill -> first message per target: ${firsts.map(ms).join(', ')} (group wait ${GROUP_WAIT_MS} ms)`,
    );
    console.log(`  messages per target: ${counts.join(', ')} (4 webhooks, Slack, e-mail)`);
    const digest = JSON.parse(hooks[0]!.first ?? '{}') as { type?: string; data?: { vms?: unknown[] } };
    console.log(`  the first webhook's message: ${digest.type} naming ${digest.data?.vms?.length ?? 0} VMs`);
    console.log(
      `  GET /api/fleet meanwhile (${reads.length} reads): p50 ${percentile(reads, 50).toFixed(1)} ms, p99 ${percentile(reads, 99).toFixed(1)} ms`,
    );

    // 2. Throughput.
    const hungId = await make({
      name: 'Hung',
      kind: 'webhook',
      webhook: { url: hung.url, secret: secret() },
    });
    for (const h of hooks) h.arrivals.length = 0;
    const start = performance.now();
    // The hung target's first: its try holds one lane for the whole timeout while the others go on.
    await app.inject({ method: 'POST', url: `/api/alerts/targets/${hungId}/test`, headers });
    const tests = [];
    for (let i = 0; i < TESTS; i++)
      tests.push(
        app.inject({
          method: 'POST',
          url: `/api/alerts/targets/${hookIds[i % hooks.length]!}/test`,
          headers,
        }),
      );
    await Promise.all(tests);
    const queuedMs = performance.now() - start;
    while (hooks.reduce((n, h) => n + h.arrivals.length, 0) < TESTS && performance.now() - start < 300_000)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const doneMs = performance.now() - start;
    const got = hooks.reduce((n, h) => n + h.arrivals.length, 0);
    console.log(
      `throughput: ${TESTS} test deliveries over 4 webhook targets (receivers answer after 50 ms) and 1 target that never answers`,
    );
    console.log(
      `  queued through the API in ${ms(queuedMs)}; ${got} received in ${ms(doneMs)}: ${((got / doneMs) * 1000).toFixed(0)} deliveries/s`,
    );
    console.log(
      `  the hung target's tries meanwhile: ${hung.arrivals.length} (each waits the 10 s timeout, in its own lane)`,
    );
  } finally {
    await close();
    for (const r of [...hooks, slack, hung]) await r.close();
    await mail.close();
    await sim.close();
  }
}

await main();
