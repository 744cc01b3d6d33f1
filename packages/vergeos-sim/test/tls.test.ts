import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../src/index';

let sim: Simulator;
beforeAll(async () => {
  sim = await createSimulator({ tls: true });
});
afterAll(() => sim.close());

function get(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        agent: false,
        headers: { authorization: `Bearer ${sim.apiKey}` },
        ...(ca === undefined ? {} : { ca }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

describe('TLS', () => {
  it('serves HTTPS and writes the CA to a file', () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caFile).toBeDefined();
    expect(readFileSync(sim.caFile ?? '', 'utf8')).toBe(sim.caPem);
    expect(sim.caPem).toContain('BEGIN CERTIFICATE');
  });

  it('verifies with the pinned CA, for 127.0.0.1 and for localhost', async () => {
    const ca = readFileSync(sim.caFile ?? '', 'utf8');
    expect(await get(`${sim.url}/api/v4/vms/42`, ca)).toBe(200);
    expect(await get(`${sim.url.replace('127.0.0.1', 'localhost')}/version.json`, ca)).toBe(200);
  });

  it('fails verification without the CA', async () => {
    await expect(get(`${sim.url}/version.json`)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('removes the CA file on close', async () => {
    const other = await createSimulator({ tls: true });
    const file = other.caFile ?? '';
    expect(existsSync(file)).toBe(true);
    await other.close();
    expect(existsSync(file)).toBe(false);
  });
});
