// The power guide's whole curl sequence (shared/reference/vergeos-vm-power-guide.txt), sent once to VergeOS itself (the
// simulator, with its key) and once to the BFF (a script with a Powerdeck personal token), from the same starting
// state: every step answers the same code and body, the 409s' texts and the 422s included. The BFF's answer to an
// error carries both `err` and `error` (VergeOS says one or the other), so VergeOS's error bodies are compared as the
// BFF passes them on.
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { normaliseErrorBody } from '../src/routes/vergeos';
import { simStats, tokenHeaders, useSimApp } from './support';

const env = useSimApp({ resetSim: true, waitForFirstPoll: true });

/** The guide's request bodies, as its curl commands send them (`-d '...'`). */
const BODIES = {
  poweron: '{\n"action": "poweron",\n"params": {},\n"vm": "42"\n}',
  poweroff: '{\n"action": "poweroff",\n"vm": "42"\n}',
  kill: '{\n"action": "kill",\n"vm": "42"\n}',
  gracefulReset: '{\n"action": "reset",\n"params": {\n"graceful": true\n},\n"vm": "42"\n}',
  hardReset: '{\n"action": "reset",\n"vm": "42"\n}',
  shortPoweroff: '{"action": "poweroff", "vm": "42"}',
  shortKill: '{"action": "kill", "vm": "42"}',
  // What the guide's readers get wrong, and VergeOS answers 422.
  guestreset: '{"action": "guestreset", "vm": "42"}',
  noVm: '{"action": "poweron"}',
};

interface Step {
  step: string;
  status: number;
  body: unknown;
}

/** Values that move with the clock (when a machine started, when its status last changed). */
const CLOCK_FIELDS = new Set(['started', 'last_update', 'local_time', 'last_refresh']);
function masked(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(masked);
  if (body && typeof body === 'object') {
    return Object.fromEntries(
      Object.entries(body).map(([k, v]) => [
        k,
        CLOCK_FIELDS.has(k) && typeof v === 'number' ? 'T' : masked(v),
      ]),
    );
  }
  return body;
}

/** Runs the guide against `base` with `authorization`, and returns every step's code and body. */
async function runGuide(base: string, authorization: string): Promise<Step[]> {
  const steps: Step[] = [];
  const send = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: res.status >= 400 ? normaliseErrorBody(res.status, text) : (JSON.parse(text) as unknown),
    };
  };
  const step = async (name: string, method: string, path: string, body?: string) => {
    const a = await send(method, path, body);
    steps.push({ step: name, status: a.status, body: masked(a.body) });
    return a;
  };
  /** The guide's wait_for_power_state, then until the status has settled (`running` or `stopped`). */
  const until = async (name: string, status: string) => {
    for (let i = 0; i < 400; i++) {
      const a = await send('GET', '/api/v4/machine_status/54?fields=powerstate%2Crunning%2Cstatus');
      if ((a.body as { status?: string }).status === status) {
        steps.push({ step: `${name}: wait_for_power_state`, status: a.status, body: a.body });
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${name}: machine 54 never reached ${status}`);
  };
  const post = (name: string, body: string) => step(name, 'POST', '/api/v4/vm_actions', body);

  await step('VM Info', 'GET', '/api/v4/vms/42?fields=most');
  await step('Power State', 'GET', '/api/v4/machine_status/54?fields=most');
  await step('quick check', 'GET', '/api/v4/machine_status/54?fields=powerstate,running,status');
  await post('Power off a stopped VM: 409', BODIES.shortPoweroff);
  await post('Force off a stopped VM: 409', BODIES.kill);
  await post('Power On', BODIES.poweron);
  await until('Power On', 'running');
  await post('Power On again: 409 already running', BODIES.poweron);
  await step('Power State while running', 'GET', '/api/v4/machine_status/54?fields=most');
  await post('Graceful reboot', BODIES.gracefulReset);
  // What a reboot shows at that moment depends on timing (still running, stopping, starting): its shape is compared.
  const monitor = await send('GET', '/api/v4/machine_status/54?fields=powerstate,status,node');
  steps.push({
    step: 'Monitor restart progress',
    status: monitor.status,
    body: Object.fromEntries(Object.entries(monitor.body as object).map(([k, v]) => [k, typeof v])),
  });
  await until('Graceful reboot', 'running');
  await post('Hard reset', BODIES.hardReset);
  await until('Hard reset', 'running');
  await post('Graceful shutdown, step 1', BODIES.poweroff);
  await until('Graceful shutdown, step 2', 'stopped');
  await step('Graceful shutdown, step 2: check', 'GET', '/api/v4/machine_status/54?fields=powerstate,status');
  await post('Graceful shutdown, step 3: kill a stopped VM: 409', BODIES.shortKill);
  await post('Power On for the force-off', BODIES.poweron);
  await until('Power On for the force-off', 'running');
  await post('Force Power Off', BODIES.kill);
  await until('Force Power Off', 'stopped');
  await post('Unknown action: 422', BODIES.guestreset);
  await post('No vm: 422', BODIES.noVm);
  await step('Invalid VM key: 404', 'GET', '/api/v4/vms/4242');
  await step(
    'Invalid machine key: 404',
    'GET',
    '/api/v4/machine_status/4242?fields=powerstate,running,status',
  );
  return steps;
}

describe('the guide’s curl sequence', () => {
  it('answers every step through the BFF with a token exactly as VergeOS answers it', async () => {
    const direct = await runGuide(env.sim.url, `Bearer ${env.sim.apiKey}`);
    env.sim.setScenario('no-capacity');
    const full = await fetch(`${env.sim.url}/api/v4/vm_actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.sim.apiKey}`, 'content-type': 'application/json' },
      body: BODIES.poweron,
    });
    direct.push({
      step: 'Insufficient resources: 507',
      status: full.status,
      body: normaliseErrorBody(507, await full.text()),
    });

    // The same starting state for the BFF's run: the simulator reset (its action counter too).
    env.sim.reset();
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
    const token = (await tokenHeaders(env.app.testStores, 'admin')).authorization!;
    const viaBff = await runGuide(base, token);
    env.sim.setScenario('no-capacity');
    const fullViaBff = await fetch(`${base}/api/v4/vm_actions`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: BODIES.poweron,
    });
    viaBff.push({
      step: 'Insufficient resources: 507',
      status: fullViaBff.status,
      body: await fullViaBff.json(),
    });

    expect(viaBff).toEqual(direct);
    // The steps the guide documents, as it documents them.
    const byStep = new Map(direct.map((s) => [s.step, s]));
    expect(byStep.get('Power On')?.status).toBe(201);
    expect(byStep.get('Power On again: 409 already running')).toMatchObject({
      status: 409,
      body: { error: 'Cannot power on VM: already in running state' },
    });
    expect(byStep.get('Power off a stopped VM: 409')).toMatchObject({
      status: 409,
      body: { error: 'Cannot power off VM: not in running state' },
    });
    expect(byStep.get('Unknown action: 422')).toMatchObject({
      status: 422,
      body: { err: "value 'guestreset' is not in list for field 'action'" },
    });
    expect(byStep.get('No vm: 422')).toMatchObject({
      status: 422,
      body: { err: "Missing required field 'vm'" },
    });
    expect(byStep.get('Insufficient resources: 507')?.status).toBe(507);

    // Through the BFF, VergeOS saw its key only, and every action the guide sends that VergeOS takes, once.
    const stats = await simStats(env.sim);
    const proxied = stats.log.filter((e) => e.requestId !== null);
    expect(proxied.length).toBeGreaterThan(0);
    for (const e of proxied) expect(e.auth.credential).toBe(env.sim.apiKey);
    expect(JSON.stringify(stats.log)).not.toContain(token.replace(/^Bearer /, ''));
    const posts = proxied.filter((e) => e.method === 'POST').map((e) => e.status);
    // 6 accepted, 5 refused by VergeOS (four 409s, the 507); the two 422s never reached it.
    expect(posts.filter((s) => s === 201)).toHaveLength(6);
    expect(posts.filter((s) => s === 409)).toHaveLength(4);
    expect(posts.filter((s) => s === 422)).toHaveLength(0);
  });
});
