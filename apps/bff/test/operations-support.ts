// Test support for operations: the real app on real SQLite against a real simulator, both at time scale 0.01 (a
// 120 s wait of the engine lasts 1.2 s, and so does a 120 s guest shut down), VM states set through the simulator's
// control API, and the ways to look at what happened (the operation, the audit log, /__sim/stats).
import type { Operation } from '@powerdeck/contracts/operations';
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { expect, vi } from 'vitest';
import type { AuditRecord } from '../src/stores/types';
import { buildTestApp, upstreamFor, type AuthHeaders, type TestApp } from './support';

/** The simulator's and the engine's time scale in these tests. */
export const SCALE = 0.01;
export const WAIT: { timeout: number; interval: number } = { timeout: 8_000, interval: 20 };

export async function opsApp(
  sim: Simulator,
  overrides: NonNullable<Parameters<typeof buildTestApp>[1]> = {},
): Promise<TestApp> {
  const app = await buildTestApp(upstreamFor(sim), {
    ...overrides,
    operations: { timeScale: SCALE, actionTimeoutMs: 3_000, ...overrides.operations },
  });
  await vi.waitFor(() => {
    if (app.fleet.lastSuccessAt() === null) throw new Error('no poll yet');
  }, WAIT);
  return app;
}

export interface SimVmPatch {
  status?: string;
  ignores_acpi?: boolean;
  shutdown_seconds?: number;
  guest_agent?: boolean;
  /** Its starts are accepted, then end in `error` with this status_info (null: start normally again). */
  start_failure?: string | null;
}

export async function putVm(sim: Simulator, key: number, patch: SimVmPatch): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/vms/${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw new Error(`PUT /__sim/vms/${key}: ${res.status} ${await res.text()}`);
}

export async function setScenario(sim: Simulator, name: string): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!res.ok) throw new Error(`POST /__sim/scenario: ${res.status}`);
}

/** The VMs of the app's current snapshot. */
export function fleetVms(app: TestApp): FleetVm[] {
  return app.fleet.current().snapshot.vms;
}

/** Waits until the app's snapshot shows each VM in the given status. */
export async function snapshotShows(app: TestApp, want: ReadonlyMap<number, string>): Promise<void> {
  await vi.waitFor(() => {
    const byKey = new Map(fleetVms(app).map((v) => [v.key, v.status]));
    for (const [key, status] of want) expect(`${key}:${byKey.get(key)}`).toBe(`${key}:${status}`);
  }, WAIT);
}

/**
 * Puts VMs into a known state (running or stopped, a guest that shuts down in `shutdownS` s unless told to ignore
 * ACPI) and waits until the app's snapshot shows it.
 */
export async function prepare(
  app: TestApp,
  sim: Simulator,
  vms: readonly { key: number; status: string; ignoresAcpi?: boolean; shutdownS?: number }[],
): Promise<void> {
  for (const vm of vms) {
    await putVm(sim, vm.key, {
      status: vm.status,
      ignores_acpi: vm.ignoresAcpi ?? false,
      shutdown_seconds: vm.shutdownS ?? 5,
    });
  }
  await snapshotShows(app, new Map(vms.map((v) => [v.key, v.status])));
}

/** Keys of VMs the seeded fleet has in a status (at least `n` of them). */
export function keysIn(app: TestApp, status: string, n: number): number[] {
  const keys = fleetVms(app)
    .filter((v) => v.status === status)
    .map((v) => v.key);
  if (keys.length < n) throw new Error(`the fleet has ${keys.length} ${status} VMs, not ${n}`);
  return keys.slice(0, n);
}

export async function startOperation(
  app: TestApp,
  body: Record<string, unknown>,
  headers: AuthHeaders = app.adminHeaders,
): Promise<Operation> {
  const res = await app.inject({ method: 'POST', url: '/api/operations', headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`POST /api/operations: ${res.statusCode} ${res.body}`);
  return res.json<Operation>();
}

export async function getOperation(app: TestApp, id: string): Promise<Operation> {
  const res = await app.inject({ method: 'GET', url: `/api/operations/${id}`, headers: app.adminHeaders });
  if (res.statusCode !== 200) throw new Error(`GET /api/operations/${id}: ${res.statusCode} ${res.body}`);
  return res.json<Operation>();
}

/** Waits until the operation is no longer running; returns it. */
export async function finished(app: TestApp, id: string, wait = WAIT): Promise<Operation> {
  let op: Operation | undefined;
  await vi.waitFor(async () => {
    op = await getOperation(app, id);
    expect(op.status).not.toBe('running');
  }, wait);
  return op!;
}

/** Waits until a predicate holds for the operation; returns it. */
export async function until(
  app: TestApp,
  id: string,
  predicate: (op: Operation) => boolean,
  wait = WAIT,
): Promise<Operation> {
  let op: Operation | undefined;
  await vi.waitFor(async () => {
    op = await getOperation(app, id);
    expect(predicate(op)).toBe(true);
  }, wait);
  return op!;
}

/** The power rows of the audit log, oldest first. */
export async function powerRows(app: TestApp): Promise<AuditRecord[]> {
  return (await app.testStores.audit.query({ kind: 'power', order: 'asc', limit: 1000 })).rows;
}

/** How many action requests reached the simulator, per action and in all. */
export function actionsOf(stats: { requests: Record<string, number>; actions: Record<string, number> }) {
  return { posts: stats.requests['POST /api/v4/vm_actions'] ?? 0, accepted: stats.actions };
}

export function vmOf(op: Operation, key: number) {
  const vm = op.vms.find((v) => v.key === key);
  if (!vm) throw new Error(`operation ${op.id} has no VM ${key}`);
  return vm;
}
