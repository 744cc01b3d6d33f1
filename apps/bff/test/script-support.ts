// What a script does with Powerdeck's VergeOS routes, whatever credential it carries: list the VMs, start the
// guide's VM 42 and shut it down again (a reason, as help-desk staff must give), each step through the BFF.
import { REASON_HEADER } from '@powerdeck/contracts/roles';
import { expect, vi } from 'vitest';
import type { TestApp } from './support';

const VM = 42;
const MACHINE = 54;

async function statusOf(app: TestApp, headers: Record<string, string>): Promise<string> {
  const res = await app.inject({ url: `/api/v4/machine_status/${MACHINE}?fields=status`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ status: string }>().status;
}

/** Lists VMs, powers VM 42 on, waits for it to run, powers it off (with a reason), waits for it to stop. */
export async function listAndPowerCycle(app: TestApp, headers: Record<string, string>): Promise<void> {
  const list = await app.inject({ url: '/api/v4/vms?fields=$key,name', headers });
  expect(list.statusCode, list.body).toBe(200);
  expect(list.json<{ $key: number }[]>().map((v) => v.$key)).toContain(VM);

  const on = await app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers,
    payload: { vm: VM, action: 'poweron' },
  });
  expect(on.statusCode, on.body).toBe(201);
  await vi.waitFor(async () => expect(await statusOf(app, headers)).toBe('running'), {
    timeout: 5_000,
    interval: 20,
  });

  const off = await app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers: { ...headers, [REASON_HEADER]: 'script test' },
    payload: { vm: VM, action: 'poweroff' },
  });
  expect(off.statusCode, off.body).toBe(201);
  await vi.waitFor(async () => expect(await statusOf(app, headers)).toBe('stopped'), {
    timeout: 5_000,
    interval: 20,
  });
}
