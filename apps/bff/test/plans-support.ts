// Test support for power plans: a plan's body as an admin types it, creating one over HTTP, calling the plans
// routes as someone, and squeezing the simulator's nodes so that a start cannot fit.
import type { Plan } from '@powerdeck/contracts/plans';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { expect, vi } from 'vitest';
import { WAIT } from './operations-support';
import type { AuthHeaders, TestApp } from './support';

export function tierBody(name: string, vms: number[], over: Record<string, unknown> = {}) {
  return { name, targets: { kind: 'vms', vms }, ...over };
}

export function planBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Site back',
    tiers: [tierBody('Domain controllers', [1]), tierBody('Web', [2])],
    ...over,
  };
}

export function callAs(app: TestApp, headers: AuthHeaders = app.adminHeaders) {
  return (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
}

export async function createPlan(
  app: TestApp,
  payload: Record<string, unknown>,
  headers: AuthHeaders = app.adminHeaders,
): Promise<Plan> {
  const res = await app.inject({ method: 'POST', url: '/api/plans', headers, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Plan>();
}

interface SimNode {
  capacity: { cores: number; vm_ram: number };
  used: { cores: number; vm_ram: number };
}

/**
 * Gives every node of the simulator `freeMb` of RAM for VMs beyond what its running VMs use (`PUT /__sim/nodes`),
 * and waits until the app's snapshot shows it.
 */
export async function squeezeNodes(app: TestApp, sim: Simulator, freeMb: number): Promise<void> {
  const nodes = app.fleet.current().snapshot.nodes;
  for (const n of nodes) {
    const got = (await (await fetch(`${sim.url}/__sim/nodes/${n.key}`)).json()) as SimNode;
    const res = await fetch(`${sim.url}/__sim/nodes/${n.key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vm_ram: got.used.vm_ram + freeMb }),
    });
    if (!res.ok) throw new Error(`PUT /__sim/nodes/${n.key}: ${res.status} ${await res.text()}`);
  }
  app.fleet.wake();
  await vi.waitFor(() => {
    for (const n of app.fleet.current().snapshot.nodes) expect(n.ram - n.runningRam).toBe(freeMb);
  }, WAIT);
}
