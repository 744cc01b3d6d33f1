// The client's own fetch over HTTPS: a pinned CA, no CA (fails), verification skipped.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VergeNetworkError, VergeTlsError } from '../../src/index';
import { clientFor, closeClients, countOf, startSim } from '../helpers/sim';
import type { Simulator } from '../helpers/sim';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSim({ tls: true });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await closeClients();
});

describe('HTTPS', () => {
  it('serves https', () => {
    expect(sim.url.startsWith('https://')).toBe(true);
    expect(typeof sim.caFile).toBe('string');
  });

  it('works with the CA pinned from a file', async () => {
    const client = clientFor(sim, { tls: { caFile: sim.caFile } });
    await expect(client.machineStatus.get(54)).resolves.toMatchObject({ machine: 54 });
    await expect(client.actions.powerOn(42)).resolves.toMatchObject({ $row: 1 });
  });

  it('works with the CA given as PEM', async () => {
    const client = clientFor(sim, { tls: { ca: sim.caPem } });
    await expect(client.nodes.list()).resolves.not.toHaveLength(0);
  });

  it('fails with a TLS error without the CA, and does not retry it', async () => {
    const client = clientFor(sim);
    const before = await countOf(sim, 'GET /api/v4/nodes');
    const error = await client.nodes.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VergeTlsError);
    expect(error).toBeInstanceOf(VergeNetworkError);
    expect((error as VergeTlsError).code).toBe('tls');
    expect((error as VergeTlsError).attempts).toBe(1);
    expect((error as VergeTlsError).causeCode).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(JSON.stringify(error) + String(error)).not.toContain(sim.apiKey);
    expect((await countOf(sim, 'GET /api/v4/nodes')) - before).toBe(0);
  });

  it('works with verification skipped', async () => {
    const client = clientFor(sim, { tls: { insecure: true } });
    await expect(client.vms.get(42)).resolves.toMatchObject({ machine: 54 });
  });
});
