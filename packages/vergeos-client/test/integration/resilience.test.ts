// Retry and timeout policy against the simulator's failure scenarios, counted by the simulator itself.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VergeServerError, VergeServiceUnavailableError, VergeTimeoutError } from '../../src/index';
import type { VergeApiError } from '../../src/index';
import { clientFor, closeClients, countOf, setScenarioOverHttp, startSim } from '../helpers/sim';
import type { Simulator } from '../helpers/sim';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.setScenario('none');
});
afterEach(async () => {
  await closeClients();
});

describe('safe reads', () => {
  it('a 503 read is retried a bounded number of times, each one counted by the simulator', async () => {
    await setScenarioOverHttp(sim, 'unavailable');
    const client = clientFor(sim);
    const before = await countOf(sim, 'GET /api/v4/vms');
    const error = await client.vms.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeServiceUnavailableError);
    expect((error as VergeApiError).attempts).toBe(3);
    expect((await countOf(sim, 'GET /api/v4/vms')) - before).toBe(3);

    const five = clientFor(sim, { retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 } });
    const before5 = await countOf(sim, 'GET /api/v4/vms');
    await five.vms.list().catch(() => undefined);
    expect((await countOf(sim, 'GET /api/v4/vms')) - before5).toBe(5);
  });

  it('reads get through a flaky VergeOS thanks to the retries', async () => {
    sim.setScenario('flaky');
    const client = clientFor(sim, { retry: { attempts: 8, baseDelayMs: 1, maxDelayMs: 5 } });
    for (let i = 0; i < 10; i++) {
      await expect(client.machineStatus.get(54)).resolves.toMatchObject({ machine: 54 });
    }
  });

  it('a read without an answer times out, and is retried', async () => {
    sim.setScenario('hang');
    const client = clientFor(sim, { timeoutMs: 100, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const before = await countOf(sim, 'GET /api/v4/nodes');
    const t0 = performance.now();
    const error = await client.nodes.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeTimeoutError);
    expect(performance.now() - t0).toBeLessThan(5_000);
    sim.setScenario('none');
    expect((await countOf(sim, 'GET /api/v4/nodes')) - before).toBe(2);
  });
});

describe('actions are sent exactly once', () => {
  it('under unavailable', async () => {
    await setScenarioOverHttp(sim, 'unavailable');
    const client = clientFor(sim, { retry: { attempts: 5, baseDelayMs: 1 } });
    const before = await countOf(sim, 'POST /api/v4/vm_actions');
    const error = await client.actions.powerOn(42).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeServiceUnavailableError);
    expect((error as VergeApiError).attempts).toBe(1);
    expect((await countOf(sim, 'POST /api/v4/vm_actions')) - before).toBe(1);
  });

  it('under flaky: one request per call, whatever the answer', async () => {
    sim.setScenario('flaky');
    const client = clientFor(sim, { retry: { attempts: 5, baseDelayMs: 1 } });
    const before = await countOf(sim, 'POST /api/v4/vm_actions');
    const calls = 20;
    let serverErrors = 0;
    for (let i = 0; i < calls; i++) {
      // Alternate so that most calls are valid: poweron, kill, poweron, ...
      const act = i % 2 === 0 ? client.actions.powerOn(42) : client.actions.kill(42);
      const error = await act.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error instanceof VergeServerError) serverErrors++;
    }
    expect((await countOf(sim, 'POST /api/v4/vm_actions')) - before).toBe(calls);
    expect(serverErrors).toBeGreaterThan(0);
  });

  it('under hang: a timeout, one request', async () => {
    sim.setScenario('hang');
    const client = clientFor(sim, { timeoutMs: 80, retry: { attempts: 5, baseDelayMs: 1 } });
    const before = await countOf(sim, 'POST /api/v4/vm_actions');
    await expect(client.actions.kill(42)).rejects.toBeInstanceOf(VergeTimeoutError);
    sim.setScenario('none');
    expect((await countOf(sim, 'POST /api/v4/vm_actions')) - before).toBe(1);
  });
});
