// Unit tests of waitForPowerState with an injected fetch: what it polls, when it resolves, how it fails.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACTION_OUTCOME,
  POWER_TIMEOUTS_MS,
  VergeAbortError,
  VergeForbiddenError,
  VergeNotFoundError,
  VergePowerStateError,
  VergeWaitTimeoutError,
  createVergeClient,
} from '../src/index';
import type { PowerProgress } from '../src/index';
import { fakeFetch, machineStatus, respond } from './helpers/fake-fetch';
import type { FakeFetch, Handler } from './helpers/fake-fetch';

/** A VergeOS where VM 42 (machine 54) goes through `statuses`, one per poll, then stays at the last one. */
function vergeos(statuses: (string | Handler)[], extra: Record<string, unknown> = {}) {
  let poll = 0;
  const fetch: FakeFetch = fakeFetch((req, i) => {
    if (req.url.pathname === '/api/v4/vms/42') return respond(200, { $key: 42, machine: 54 });
    if (req.url.pathname === '/api/v4/machine_status') {
      const next = statuses[Math.min(poll++, statuses.length - 1)] ?? 'stopped';
      return typeof next === 'string' ? respond(200, [machineStatus(next, extra)]) : next(req, i);
    }
    return respond(404, { err: 'not found' });
  });
  const client = createVergeClient({
    baseUrl: 'https://vergeos.test',
    auth: { type: 'apiKey', apiKey: 'key' },
    fetch,
    retry: { attempts: 1 },
  });
  return { fetch, client };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('waitForPowerState', () => {
  it('resolves the VM key to its machine key and polls machine_status for that machine', async () => {
    const { fetch, client } = vergeos(['running']);
    const status = await client.waitForPowerState(42, 'running', { intervalMs: 1 });
    expect(status.status).toBe('running');
    expect(fetch.calls[0]?.url.pathname).toBe('/api/v4/vms/42');
    expect(fetch.calls[0]?.url.searchParams.get('fields')).toBe('$key,machine');
    expect(fetch.calls[1]?.url.pathname).toBe('/api/v4/machine_status');
    expect(fetch.calls[1]?.url.searchParams.get('filter')).toBe('machine eq 54');
    expect(fetch.calls[1]?.url.searchParams.get('fields')).toContain('status_info');
  });

  it('skips the lookup when the machine key is given', async () => {
    const { fetch, client } = vergeos(['stopped']);
    await client.waitForPowerState(42, 'stopped', { machineKey: 54, intervalMs: 1 });
    expect(fetch.calls.map((c) => c.url.pathname)).toEqual(['/api/v4/machine_status']);
  });

  it('"running" means status running, not powerstate: starting does not count', async () => {
    const { client } = vergeos(['stopped', 'starting', 'starting', 'running']);
    const seen: PowerProgress[] = [];
    const status = await client.waitForPowerState(42, 'running', {
      intervalMs: 1,
      onProgress: (p) => seen.push(p),
    });
    expect(status.status).toBe('running');
    expect(seen.map((p) => p.status)).toEqual(['stopped', 'starting', 'starting', 'running']);
    // While starting, powerstate and running were already true.
    expect(seen[1]?.machineStatus.powerstate).toBe(true);
    expect(seen[1]?.machineStatus.running).toBe(true);
    expect(seen.map((p) => p.polls)).toEqual([1, 2, 3, 4]);
    for (const [i, p] of seen.entries()) {
      expect(p.elapsedMs).toBeGreaterThanOrEqual(i === 0 ? 0 : (seen[i - 1]?.elapsedMs ?? 0));
    }
  });

  it('"stopped" means status stopped: stopping (powerstate still true) does not count', async () => {
    const { client } = vergeos(['running', 'stopping', 'stopping', 'stopped']);
    const seen: string[] = [];
    await client.waitForPowerState(42, 'stopped', { intervalMs: 1, onProgress: (p) => seen.push(p.status) });
    expect(seen).toEqual(['running', 'stopping', 'stopping', 'stopped']);
  });

  it('waits for hibernated', async () => {
    const { client } = vergeos(['running', 'hibernating', 'hibernated']);
    await expect(client.waitForPowerState(42, 'hibernated', { intervalMs: 1 })).resolves.toMatchObject({
      status: 'hibernated',
    });
  });

  it('status error while waiting for running fails at once with its status_info', async () => {
    const info = "Error starting machine: drive 'disk0' could not be attached";
    const { fetch, client } = vergeos(['starting', 'error', 'running'], { status_info: info });
    const error = await client.waitForPowerState(42, 'running', { intervalMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergePowerStateError);
    const e = error as VergePowerStateError;
    expect(e.status).toBe('error');
    expect(e.statusInfo).toBe(info);
    expect(e.message).toContain(info);
    expect(fetch.calls.filter((c) => c.url.pathname === '/api/v4/machine_status')).toHaveLength(2);
  });

  it('times out with the last status seen', async () => {
    const { client } = vergeos(['stopping']);
    const error = await client
      .waitForPowerState(42, 'stopped', { timeoutMs: 60, intervalMs: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeWaitTimeoutError);
    const e = error as VergeWaitTimeoutError;
    expect(e.lastStatus).toBe('stopping');
    expect(e.desired).toBe('stopped');
    expect(e.timeoutMs).toBe(60);
    expect(e.elapsedMs).toBeGreaterThanOrEqual(55);
  });

  it('the time limit bounds a poll that hangs', async () => {
    const { client } = vergeos(['starting', () => new Promise(() => undefined)]);
    const t0 = performance.now();
    const error = await client
      .waitForPowerState(42, 'running', { timeoutMs: 50, intervalMs: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeWaitTimeoutError);
    expect((error as VergeWaitTimeoutError).lastStatus).toBe('starting');
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('aborts with VergeAbortError', async () => {
    const { client } = vergeos(['starting']);
    const controller = new AbortController();
    const pending = client.waitForPowerState(42, 'running', {
      intervalMs: 5,
      signal: controller.signal,
      timeoutMs: 5_000,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(VergeAbortError);
    await expect(
      client.waitForPowerState(42, 'running', { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(VergeAbortError);
  });

  it('keeps polling through transient failures, stops on a permanent one', async () => {
    const transient = vergeos(['starting', () => respond(503, { err: 'busy' }), 'running']);
    await expect(transient.client.waitForPowerState(42, 'running', { intervalMs: 1 })).resolves.toMatchObject(
      {
        status: 'running',
      },
    );

    const forbidden = vergeos(['starting', () => respond(403, { err: 'Permission denied' })]);
    await expect(forbidden.client.waitForPowerState(42, 'running', { intervalMs: 1 })).rejects.toBeInstanceOf(
      VergeForbiddenError,
    );

    const gone = vergeos([() => respond(200, [])]);
    await expect(gone.client.waitForPowerState(42, 'running', { intervalMs: 1 })).rejects.toBeInstanceOf(
      VergeNotFoundError,
    );

    const unknownVm = vergeos(['running']);
    await expect(unknownVm.client.waitForPowerState(43, 'running')).rejects.toBeInstanceOf(
      VergeNotFoundError,
    );
  });

  it('refuses a desired state that is not settled', async () => {
    const { client } = vergeos(['running']);
    // @ts-expect-error: 'starting' is not something to wait for
    await expect(client.waitForPowerState(42, 'starting')).rejects.toThrow(TypeError);
  });

  it("uses the guide's timeouts per action", async () => {
    expect(POWER_TIMEOUTS_MS).toEqual({
      poweron: 60_000,
      poweroff: 120_000,
      kill: 30_000,
      reset: 120_000,
      hibernate: 120_000,
    });
    expect(ACTION_OUTCOME).toEqual({
      poweron: 'running',
      poweroff: 'stopped',
      kill: 'stopped',
      reset: 'running',
      hibernate: 'hibernated',
    });

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const cases = [
      [{ action: 'kill' }, 'stopped', 30_000],
      [{ action: 'poweron' }, 'running', 60_000],
      [{ action: 'poweroff' }, 'stopped', 120_000],
      [{ action: 'reset' }, 'running', 120_000],
      [{}, 'running', 60_000],
      [{}, 'stopped', 120_000],
      [{ timeoutMs: 5_000 }, 'stopped', 5_000],
    ] as const;
    for (const [options, desired, limit] of cases) {
      const { client } = vergeos(['initializing']);
      let settled: unknown;
      const pending = client.waitForPowerState(42, desired, { ...options, intervalMs: 1_000 }).then(
        () => (settled = 'resolved'),
        (e: unknown) => (settled = e),
      );
      await vi.advanceTimersByTimeAsync(limit - 1);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      await pending;
      expect(settled).toBeInstanceOf(VergeWaitTimeoutError);
      expect((settled as VergeWaitTimeoutError).timeoutMs).toBe(limit);
    }
  });
});
