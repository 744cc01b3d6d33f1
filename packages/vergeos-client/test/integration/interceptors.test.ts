// undici interceptors composed into the client's own connections (`interceptors`), against the simulator: they see
// every attempt of a retried read and the login a session token needs, and a request that timed out ends with a
// TimeoutError (so an observer can tell it from a failed connection).
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VergeServiceUnavailableError, VergeTimeoutError } from '../../src/index';
import { clientFor, closeClients, setScenarioOverHttp, startSim } from '../helpers/sim';
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

/** An interceptor that records each exchange: method, path, and its status or its error's name. */
function recorder() {
  const seen: string[] = [];
  const interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onResponseStart: (controller, status, headers, message) => {
        seen.push(`${opts.method} ${opts.path.split('?')[0]} ${status}`);
        handler.onResponseStart?.(controller, status, headers, message);
      },
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, error) => {
        seen.push(`${opts.method} ${opts.path.split('?')[0]} ${error.name}`);
        handler.onResponseError?.(controller, error);
      },
    });
  return { seen, interceptor };
}

describe('interceptors', () => {
  it('see every attempt of a retried read, and the login of a session token', async () => {
    const { seen, interceptor } = recorder();
    const client = clientFor(sim, {
      auth: { type: 'token', username: sim.username, password: sim.password },
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      interceptors: [interceptor],
    });
    await setScenarioOverHttp(sim, 'unavailable');
    await expect(client.nodes.list()).rejects.toBeInstanceOf(VergeServiceUnavailableError);
    // Two attempts, each of which had to log in first.
    expect(seen).toEqual(['POST /api/sys/tokens 503', 'POST /api/sys/tokens 503']);
    await setScenarioOverHttp(sim, 'none');
    await client.nodes.list();
    expect(seen.slice(2)).toEqual(['POST /api/sys/tokens 201', 'GET /api/v4/nodes 200']);
  });

  it('see a request that got no answer in time end with a TimeoutError', async () => {
    const { seen, interceptor } = recorder();
    const client = clientFor(sim, { timeoutMs: 200, retry: { attempts: 1 }, interceptors: [interceptor] });
    await setScenarioOverHttp(sim, 'hang');
    await expect(client.vms.list()).rejects.toBeInstanceOf(VergeTimeoutError);
    expect(seen).toEqual(['GET /api/v4/vms TimeoutError']);
  });
});
