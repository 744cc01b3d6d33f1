// The guide's polling loop versus waitForPowerState, against the simulator at a small time scale.
//
// The guide's `wait_for_power_state(machine_id, desired_state)` polls machine_status until
// `powerstate == desired_state`. But powerstate (and running) are already true while the machine is `starting`,
// and still true while it is `stopping`: the guide says "VM is now running" before it is, and cannot tell a VM that
// is shutting down from one that runs. waitForPowerState goes by `status`.
import { fetch } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VergePowerStateError, VergeWaitTimeoutError } from '../../src/index';
import { POLL_MS, clientFor, closeClients, setVm, startSim } from '../helpers/sim';
import type { Simulator } from '../helpers/sim';

/**
 * 4x faster: `starting` lasts 750 ms (long enough for a poll right after the action to find it, even on a loaded
 * machine), a kill 500 ms; the guide's 5 s sleep is 1.25 s.
 */
const TIME_SCALE = 0.25;

interface GuideView {
  powerstate: boolean;
  running: boolean;
  status: string;
}

/** The request the guide's loop makes. */
async function guidePoll(sim: Simulator, machineId: string): Promise<GuideView> {
  const response = await fetch(
    `${sim.url}/api/v4/machine_status/${machineId}?fields=powerstate,running,status`,
    {
      headers: { Authorization: `Bearer ${sim.apiKey}` },
    },
  );
  return (await response.json()) as GuideView;
}

/** The guide's Python loop, line for line (its 5 s sleep scaled like the simulator's time). */
async function guideWaitForPowerState(
  sim: Simulator,
  machineId: string,
  desiredState: boolean,
  maxRetries = 10,
): Promise<{ result: boolean; seen: GuideView[] }> {
  const seen: GuideView[] = [];
  for (let attempt = 0; attempt < maxRetries; attempt++) {
    const data = await guidePoll(sim, machineId);
    seen.push(data);
    if (data.powerstate === desiredState) return { result: true, seen };
    await new Promise((resolve) => setTimeout(resolve, 5_000 * TIME_SCALE));
  }
  return { result: false, seen };
}

let sim: Simulator;

beforeAll(async () => {
  sim = await startSim({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});
afterEach(async () => {
  await closeClients();
});

describe("the guide's loop versus waitForPowerState", () => {
  it("the guide says running while the VM is still starting; waitForPowerState waits for status 'running'", async () => {
    const client = clientFor(sim);
    await client.actions.powerOn(42);

    // Both start watching at once.
    const seen: string[] = [];
    const ours = client.waitForPowerState(42, 'running', {
      action: 'poweron',
      machineKey: 54,
      intervalMs: POLL_MS,
      onProgress: (p) => seen.push(p.status),
    });
    const guide = await guideWaitForPowerState(sim, '54', true);
    expect(guide.result).toBe(true); // "VM is now running"
    expect(guide.seen).toHaveLength(1);
    expect(guide.seen[0]).toEqual({ powerstate: true, running: true, status: 'starting' }); // ... it is not

    const status = await ours;
    expect(status).toMatchObject({ status: 'running', powerstate: true, running: true });
    expect(seen[0]).toBe('starting');
    expect(seen.at(-1)).toBe('running');
    expect(seen.filter((s) => s !== 'starting' && s !== 'running')).toEqual([]);
    expect((await client.machineStatus.get(54)).status).toBe('running');
  });

  it('the guide cannot tell stopping from running; waiting for stopped sees stopping first', async () => {
    const client = clientFor(sim);
    // Running, with a guest that takes ten (simulated) minutes to shut down.
    await setVm(sim, 42, { status: 'running', node: 1, shutdown_seconds: 600 });
    const whileRunning = await guidePoll(sim, '54');

    await client.actions.powerOff(42);
    const whileStopping = await guidePoll(sim, '54');
    expect(whileRunning.status).toBe('running');
    expect(whileStopping.status).toBe('stopping');
    // What the guide's loop decides on is the same for a running VM and one shutting down.
    expect(whileStopping.powerstate).toBe(whileRunning.powerstate);
    expect(whileStopping.running).toBe(whileRunning.running);
    expect(whileStopping.powerstate === false).toBe(false);

    // waitForPowerState reports `stopping` as it goes and does not resolve on it. After a few polls we force the
    // VM off (the guide's escalation); only then does it resolve.
    const seen: { status: string; elapsedMs: number }[] = [];
    let kill: Promise<unknown> | undefined;
    const status = await client.waitForPowerState(42, 'stopped', {
      action: 'poweroff',
      machineKey: 54,
      intervalMs: POLL_MS,
      onProgress: ({ status: s, elapsedMs }) => {
        seen.push({ status: s, elapsedMs });
        if (seen.length === 3) kill = client.actions.kill(42);
      },
    });
    await kill;
    expect(status).toMatchObject({ status: 'stopped', powerstate: false, running: false, node: null });
    expect(seen.slice(0, 3).map((s) => s.status)).toEqual(['stopping', 'stopping', 'stopping']);
    expect(seen.at(-1)?.status).toBe('stopped');
    expect(seen.every((s) => s.status === 'stopping' || s.status === 'stopped')).toBe(true);
    const elapsed = seen.map((s) => s.elapsedMs);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
  });

  it('a guest that ignores ACPI never stops: the wait times out, then kill stops it', async () => {
    const client = clientFor(sim);
    await setVm(sim, 42, { status: 'running', node: 1 });
    sim.setScenario('acpi-ignored');

    await expect(client.actions.powerOff(42)).resolves.toMatchObject({ $row: 1 }); // accepted ...
    const seen: string[] = [];
    const error = await client
      .waitForPowerState(42, 'stopped', {
        timeoutMs: 300,
        intervalMs: 10,
        onProgress: (p) => seen.push(p.status),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeWaitTimeoutError); // ... and nothing happens
    expect((error as VergeWaitTimeoutError).lastStatus).toBe('running');
    expect((error as VergeWaitTimeoutError).timeoutMs).toBe(300);
    expect(new Set(seen)).toEqual(new Set(['running']));

    await client.actions.kill(42);
    await expect(
      client.waitForPowerState(42, 'stopped', { action: 'kill', intervalMs: POLL_MS }),
    ).resolves.toMatchObject({ status: 'stopped' });
  });

  it('a start that fails ends the wait at once with status_info', async () => {
    sim.setScenario('start-fails');
    const client = clientFor(sim);
    await client.actions.powerOn(42);
    const seen: string[] = [];
    const t0 = performance.now();
    const error = await client
      .waitForPowerState(42, 'running', { intervalMs: POLL_MS, onProgress: (p) => seen.push(p.status) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergePowerStateError);
    const e = error as VergePowerStateError;
    expect(e.status).toBe('error');
    expect(e.statusInfo.length).toBeGreaterThan(0);
    expect(e.message).toContain(e.statusInfo);
    expect(seen.filter((s) => s !== 'starting' && s !== 'error')).toEqual([]);
    expect(seen.at(-1)).toBe('error');
    expect(performance.now() - t0).toBeLessThan(10_000); // at once, not after the 60 s time limit
    expect((await client.machineStatus.get(54)).status_info).toBe(e.statusInfo);
  });
});
