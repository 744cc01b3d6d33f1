// Who hears of what (alerts/dispatcher.ts), on the real stores of both backends: a target's matchers (events,
// minimum severity, the VM filter with `status:down`), enabled or not; the cool-down (one `vm_down` per VM per
// cool-down, per target); "back" only where the "down" went (queued or sent, not failed, a digest not failed) and
// once; a `vm_down` waits for its group, the rest is due at once; the page becomes a link with the public URL; a
// failure of the database is logged and the next event still handled.
import { beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, GROUP_WAIT_MS, type Dispatcher } from '../src/alerts/dispatcher';
import type { AlertEventInput } from '../src/alerts/types';
import type { AlertDeliveryRecord, AlertStore } from '../src/stores/types';
import { captureLog, plainEvent, target, vmEvent, type LoggedLine } from './alerts-support';
import { BACKENDS, openTestStores } from './store-backends';

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const MIN = 60_000;

describe.each(BACKENDS)('alert dispatcher (%s)', (backend) => {
  let store: AlertStore;
  let clock: number;
  let wakes: number;
  let dispatcher: Dispatcher;
  let logged: LoggedLine[];

  function open(extra: { publicUrl?: string; store?: AlertStore } = {}): Dispatcher {
    const { log, lines } = captureLog();
    logged = lines;
    return createDispatcher({
      store: extra.store ?? store,
      now: () => clock,
      wake: () => {
        wakes++;
      },
      log,
      ...(extra.publicUrl !== undefined ? { publicUrl: extra.publicUrl } : {}),
    });
  }

  /** Reports each event in turn, a millisecond apart (so that the newest-first listing has one order). */
  async function report(...events: AlertEventInput[]): Promise<void> {
    for (const e of events) {
      dispatcher.sink(e);
      await dispatcher.settled();
      clock += 1;
    }
  }

  async function queued(targetId: string): Promise<AlertDeliveryRecord[]> {
    return (await store.listDeliveries(targetId, 100)).reverse();
  }

  async function queuedEvents(targetId: string): Promise<string[]> {
    return (await queued(targetId)).map((d) => `${d.event}${d.vmKey !== null ? `:${d.vmKey}` : ''}`);
  }

  beforeEach(async () => {
    store = (await openTestStores(backend)).alerts;
    clock = T0;
    wakes = 0;
    dispatcher = open();
  });

  it('each target’s matchers: events, minimum severity, VM filter (status:down too); a disabled one gets nothing', async () => {
    await store.createTarget(target('all'));
    await store.createTarget(target('ops', { events: ['operation_failed'] }));
    await store.createTarget(target('crit', { minSeverity: 'critical' }));
    await store.createTarget(target('web', { vmFilter: 'web' }));
    await store.createTarget(target('down', { vmFilter: 'status:down' }));
    await store.createTarget(target('running', { vmFilter: 'status:running' }));
    await store.createTarget(target('off', { enabled: false }));

    await report(
      vmEvent('vm_down', 1, 'web-01'),
      vmEvent('vm_down', 2, 'db-01'),
      plainEvent('operation_failed'),
    );

    expect(await queuedEvents('all')).toEqual(['vm_down:1', 'vm_down:2', 'operation_failed']);
    expect(await queuedEvents('ops')).toEqual(['operation_failed']);
    // operation_failed is a warning: below critical.
    expect(await queuedEvents('crit')).toEqual(['vm_down:1', 'vm_down:2']);
    // The VM filter picks VMs; an event about no VM passes it.
    expect(await queuedEvents('web')).toEqual(['vm_down:1', 'operation_failed']);
    expect(await queuedEvents('down')).toEqual(['vm_down:1', 'vm_down:2', 'operation_failed']);
    expect(await queuedEvents('running')).toEqual(['operation_failed']);
    expect(await queuedEvents('off')).toEqual([]);
    expect(wakes).toBe(3);
  });

  it('a vm_down waits for its group; other events are due at once; the page becomes a link', async () => {
    dispatcher = open({ publicUrl: 'https://powerdeck.example.com' });
    await store.createTarget(target('t'));
    await report(
      vmEvent('vm_down', 12, 'web-01'),
      plainEvent('operation_failed', 'Operation failed on 2 VMs'),
    );
    const [down, op] = await queued('t');
    expect(down).toMatchObject({
      event: 'vm_down',
      severity: 'critical',
      title: 'VM web-01 is down unexpectedly (error)',
      vmKey: 12,
      status: 'queued',
      attempts: 0,
      createdAt: new Date(T0).toISOString(),
      nextAttemptAt: new Date(T0 + GROUP_WAIT_MS).toISOString(),
    });
    expect(JSON.parse(down?.payload ?? '{}')).toEqual({
      event: 'vm_down',
      severity: 'critical',
      title: 'VM web-01 is down unexpectedly (error)',
      text: '',
      vm: { key: 12, name: 'web-01', status: 'error', node: null },
      url: 'https://powerdeck.example.com/vms/12',
    });
    expect(op).toMatchObject({ event: 'operation_failed', severity: 'warning', vmKey: null });
    // Reported a millisecond later, due when queued.
    expect(op?.createdAt).toBe(new Date(T0 + 1).toISOString());
    expect(op?.nextAttemptAt).toBe(op?.createdAt);
    expect(JSON.parse(op?.payload ?? '{}')).toMatchObject({
      operationId: 'op-1',
      url: 'https://powerdeck.example.com/operations/op-1',
    });
  });

  it('cool-down: one vm_down per VM per target within its minutes; other VMs and other targets are not held', async () => {
    await store.createTarget(target('t15', { cooldownMinutes: 15 }));
    await store.createTarget(target('t0', { cooldownMinutes: 0 }));
    await report(vmEvent('vm_down', 1));
    clock += 5 * MIN;
    await report(vmEvent('vm_down', 1), vmEvent('vm_down', 2));
    clock += 9 * MIN + 59_000; // 14:59 after the first
    await report(vmEvent('vm_down', 1));
    clock += 1_000; // 15:00 after the first
    await report(vmEvent('vm_down', 1));
    expect(await queuedEvents('t15')).toEqual(['vm_down:1', 'vm_down:2', 'vm_down:1']);
    expect(await queuedEvents('t0')).toEqual([
      'vm_down:1',
      'vm_down:1',
      'vm_down:2',
      'vm_down:1',
      'vm_down:1',
    ]);
  });

  it('VergeOS unreachable cools down too; operations do not (each one is news)', async () => {
    await store.createTarget(target('t'));
    await report(plainEvent('vergeos_unreachable'), plainEvent('operation_failed'));
    clock += MIN;
    await report(plainEvent('vergeos_unreachable'), plainEvent('operation_failed'));
    expect(await queuedEvents('t')).toEqual(['vergeos_unreachable', 'operation_failed', 'operation_failed']);
  });

  it('vm_back only after a vm_down queued or sent to that target, and once', async () => {
    await store.createTarget(target('t'));
    await store.createTarget(target('late'));
    await report(vmEvent('vm_back', 1));
    expect(await queuedEvents('t')).toEqual([]);

    await report(vmEvent('vm_down', 1));
    await store.deleteTarget('late');
    await store.createTarget(target('late'));
    clock += MIN;
    await report(vmEvent('vm_back', 1), vmEvent('vm_back', 1), vmEvent('vm_back', 2));
    expect(await queuedEvents('t')).toEqual(['vm_down:1', 'vm_back:1']);
    // It never heard of the down.
    expect(await queuedEvents('late')).toEqual([]);

    // Down again after the cool-down: back again.
    clock += 20 * MIN;
    await report(vmEvent('vm_down', 1));
    clock += MIN;
    await report(vmEvent('vm_back', 1));
    expect(await queuedEvents('t')).toEqual(['vm_down:1', 'vm_back:1', 'vm_down:1', 'vm_back:1']);
  });

  it('no vm_back after a vm_down that failed, or that went in a digest that failed; yes after a digest sent', async () => {
    await store.createTarget(target('t'));
    await report(vmEvent('vm_down', 1), vmEvent('vm_down', 2), vmEvent('vm_down', 3));
    const [d1, d2, d3] = await queued('t');
    if (!d1 || !d2 || !d3) throw new Error('three downs expected');
    const iso = new Date(clock).toISOString();
    await store.recordAttempt(d1.id, {
      status: 'failed',
      attempts: 9,
      lastAttemptAt: iso,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
      sentAt: null,
    });
    const digest = (id: string, status: 'sent' | 'failed'): AlertDeliveryRecord => ({
      ...d2,
      id,
      event: 'vm_down_digest',
      vmKey: null,
      status,
      nextAttemptAt: null,
      sentAt: status === 'sent' ? iso : null,
    });
    await store.merge([d2.id], digest('00000000-0000-4000-8000-00000000000f', 'failed'));
    await store.merge([d3.id], digest('00000000-0000-4000-8000-00000000000e', 'sent'));
    clock += MIN;
    await report(vmEvent('vm_back', 1), vmEvent('vm_back', 2), vmEvent('vm_back', 3));
    expect((await queuedEvents('t')).filter((e) => e.startsWith('vm_back'))).toEqual(['vm_back:3']);
  });

  it('the back goes where the down went, whatever the VM filter says of a VM that runs again', async () => {
    await store.createTarget(target('down', { vmFilter: 'status:down' }));
    await report(vmEvent('vm_down', 1));
    await report(vmEvent('vm_back', 1));
    expect(await queuedEvents('down')).toEqual(['vm_down:1', 'vm_back:1']);
  });

  it('VergeOS back only after unreachable, once', async () => {
    await store.createTarget(target('t'));
    await report(plainEvent('vergeos_back'));
    await report(plainEvent('vergeos_unreachable'), plainEvent('vergeos_back'), plainEvent('vergeos_back'));
    expect(await queuedEvents('t')).toEqual(['vergeos_unreachable', 'vergeos_back']);
  });

  it('a failure of the database is logged, never thrown; the next event is handled', async () => {
    await store.createTarget(target('t'));
    let fail = true;
    const flaky: AlertStore = Object.assign(Object.create(store) as AlertStore, {
      listTargets: () => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('database is locked'));
        }
        return store.listTargets();
      },
    });
    dispatcher = open({ store: flaky });
    expect(() => dispatcher.sink(vmEvent('vm_down', 1))).not.toThrow();
    await report(vmEvent('vm_down', 2));
    expect(await queuedEvents('t')).toEqual(['vm_down:2']);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'error',
      msg: 'Alert not queued (vm_down): VM vm-1 is down unexpectedly (error)',
    });
  });
});
