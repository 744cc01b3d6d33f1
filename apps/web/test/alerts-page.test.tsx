// @vitest-environment happy-dom
// Admin › Alerts as an admin reads it: each target's kind, destination, matchers and health in words, a failing
// one visibly a problem; Send test and Delete (asked first) from the list. A target's page: its deliveries newest
// first with a failed one's error readable, read again while some wait, and Send test adding one to the list.
import type { AlertDelivery, AlertTarget } from '@powerdeck/contracts/alerts';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlertsPage } from '../src/features/alerts/components/alerts-page';
import { TargetPage } from '../src/features/alerts/components/target-page';
import { delivery, target } from './alerts-fixtures';
import { json, openAt, renderInApp } from './dom';
import { fakeFetch } from './schedule-fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const FAILING = target({
  id: 't2',
  name: 'Ops Slack',
  kind: 'slack',
  events: ['vm_down', 'vm_back'],
  vmFilter: 'prod',
  minSeverity: 'warning',
  pending: 1,
  failed: 3,
  lastDelivery: {
    status: 'failed',
    event: 'vm_down',
    at: new Date(Date.now() - 120_000).toISOString(),
    error: 'HTTP 500 from hooks.slack.com: internal_error',
  },
});
const HEALTHY = target({
  lastDelivery: { status: 'sent', event: 'test', at: new Date().toISOString(), error: null },
});

describe('the list of targets', () => {
  function serve(targets: AlertTarget[]) {
    return fakeFetch((req) => {
      if (req.url === '/api/alerts/targets' && req.method === 'GET') return json({ targets });
      if (req.url === '/api/alerts/targets/t2/test' && req.method === 'POST')
        return json(delivery({ targetId: 't2', status: 'queued', attempts: 0 }), 202);
      if (req.url === '/api/alerts/targets/t2' && req.method === 'DELETE') {
        targets = targets.filter((t) => t.id !== 't2');
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
  }

  it("says each target's kind, where it sends, what it matches and how it fares; a failing one is a problem", async () => {
    serve([HEALTHY, FAILING]);
    renderInApp(<AlertsPage />);
    const list = await screen.findByRole('list', { name: 'Alert targets' });
    const failing = within(list).getByRole('listitem', { name: 'Ops Slack' });
    const healthy = within(list).getByRole('listitem', { name: 'On-call hook' });

    expect(failing.textContent).toContain('Slack incoming webhook at hooks.slack.com');
    expect(failing.textContent).toContain(
      'VM down unexpectedly, VM back up · VMs matching “prod” · warning or critical',
    );
    expect(within(failing).getByText('3 failed deliveries').className).toContain('text-bad');
    expect(failing.textContent).toContain(
      "3 messages were not delivered after a day of retries: HTTP 500 from hooks.slack.com: internal_error. Check the target's settings, then send a test.",
    );
    expect(failing.textContent).toMatch(/Last deliveryFailedVM down unexpectedly2 min ago/);
    expect(failing.className).toContain('border-bad');

    expect(healthy.textContent).toContain('https://hooks.example.com/powerdeck');
    expect(healthy.textContent).toContain('Every event · every VM · any severity');
    expect(healthy.textContent).toMatch(/Last deliverySentTest message0 s ago/);
    expect(healthy.textContent).not.toContain('failed deliver');
    expect(healthy.className).not.toContain('border-bad');
    for (const item of [failing, healthy]) {
      expect(
        within(item)
          .getAllByRole('button')
          .map((b) => b.textContent),
      ).toEqual(['Edit', 'Send test', 'Delete']);
      expect(within(item).getByText('Enabled')).toBeTruthy();
    }
  });

  it('sends a test from the list and says so', async () => {
    const { sent } = serve([HEALTHY, FAILING]);
    const user = userEvent.setup();
    renderInApp(<AlertsPage />);
    const failing = await screen.findByRole('listitem', { name: 'Ops Slack' });
    await user.click(within(failing).getByRole('button', { name: 'Send test' }));
    expect((await screen.findByText('Test message queued for Ops Slack.')).getAttribute('role')).toBe(
      'status',
    );
    expect(sent.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual([
      '/api/alerts/targets/t2/test',
    ]);
  });

  it('deletes a target only once confirmed', async () => {
    const { sent } = serve([HEALTHY, FAILING]);
    const user = userEvent.setup();
    renderInApp(<AlertsPage />);
    const failing = await screen.findByRole('listitem', { name: 'Ops Slack' });
    await user.click(within(failing).getByRole('button', { name: 'Delete' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete “Ops Slack”?' });
    expect(dialog.textContent).toContain('its 1 waiting message is dropped');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(sent.filter((r) => r.method === 'DELETE')).toHaveLength(0);

    await user.click(within(failing).getByRole('button', { name: 'Delete' }));
    dialog = screen.getByRole('dialog', { name: 'Delete “Ops Slack”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete target' }));
    expect(await screen.findByText('Ops Slack is deleted.')).toBeTruthy();
    await vi.waitFor(() => expect(screen.queryByRole('listitem', { name: 'Ops Slack' })).toBeNull());
    expect(sent.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual(['/api/alerts/targets/t2']);
  });

  it('says when there is none yet', async () => {
    serve([]);
    renderInApp(<AlertsPage />);
    expect(
      await screen.findByText('No alert targets yet: add one to hear when a VM goes down.'),
    ).toBeTruthy();
  });
});

describe("a target's page", () => {
  const FAILED = delivery({
    id: 'd0',
    event: 'vm_down',
    severity: 'critical',
    title: 'VM web-01 is down unexpectedly (error)',
    vmKey: 1,
    status: 'failed',
    attempts: 14,
    lastError: 'no answer within 10 s from hooks.example.com',
    sentAt: null,
  });

  function serve(deliveries: () => AlertDelivery[], t: () => AlertTarget = () => target()) {
    return fakeFetch((req) => {
      if (req.url === '/api/alerts/targets/t1' && req.method === 'GET') return json(t());
      if (req.url === '/api/alerts/targets/t1/deliveries') return json({ deliveries: deliveries() });
      if (req.url === '/api/alerts/targets/t1/test' && req.method === 'POST')
        return json(delivery({ id: 'd9', status: 'queued', attempts: 0 }), 202);
      return undefined;
    });
  }

  const rows = (table: HTMLElement) =>
    within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent),
      );

  it('lists its deliveries with a failed one’s error readable', async () => {
    const now = Date.now();
    const retrying = delivery({
      id: 'd1',
      status: 'retrying',
      attempts: 2,
      createdAt: new Date(now - 60_000).toISOString(),
      lastAttemptAt: new Date(now - 30_000).toISOString(),
      nextAttemptAt: new Date(now + 45_000).toISOString(),
      lastError: 'HTTP 500 from hooks.example.com: oops',
      sentAt: null,
    });
    serve(() => [retrying, FAILED]);
    openAt('/admin/alerts/t1');
    renderInApp(<TargetPage id="t1" vms={[]} />);
    const main = await screen.findByRole('main', { name: 'On-call hook' });
    const table = await within(main).findByRole('table', { name: 'Deliveries' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((c) => c.textContent),
    ).toEqual([
      'Event',
      'Title',
      'Status',
      'Attempts',
      'Created',
      'Last attempt',
      'Next attempt',
      'Last error',
    ]);
    expect(rows(table)).toEqual([
      [
        'Test message',
        'Test message from Powerdeck',
        'Retrying',
        '2',
        '1 min ago',
        '30 s ago',
        expect.stringMatching(/^in 4\d s$/),
        'HTTP 500 from hooks.example.com: oops',
      ],
      [
        'VM down unexpectedly',
        'VM web-01 is down unexpectedly (error)',
        'Failed',
        '14',
        expect.stringMatching(/ago$/),
        expect.stringMatching(/ago$/),
        '—',
        'no answer within 10 s from hooks.example.com',
      ],
    ]);
    const error = within(table).getByText('no answer within 10 s from hooks.example.com');
    expect(error.className).toContain('text-bad');
    expect(within(main).getByRole('button', { name: 'Send test' })).toBeTruthy();
    expect(within(main).getByRole('form', { name: 'Settings' })).toBeTruthy();
  });

  it('queues a test that shows in the list, and reads the list again while a delivery waits', async () => {
    vi.useFakeTimers({
      shouldAdvanceTime: true,
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    });
    let list: AlertDelivery[] = [FAILED];
    const { sent } = serve(() => list);
    const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
    renderInApp(<TargetPage id="t1" vms={[]} />);
    const table = await screen.findByRole('table', { name: 'Deliveries' });
    expect(rows(table)).toHaveLength(1);

    list = [delivery({ id: 'd9', status: 'queued', attempts: 0, lastAttemptAt: null, sentAt: null }), FAILED];
    await user.click(screen.getByRole('button', { name: 'Send test' }));
    expect(sent.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual([
      '/api/alerts/targets/t1/test',
    ]);
    expect(await screen.findByText('Test message queued; it goes out at once.')).toBeTruthy();
    await vi.waitFor(() =>
      expect(rows(table)[0]?.slice(0, 4)).toEqual([
        'Test message',
        'Test message from Powerdeck',
        'Queued',
        '0',
      ]),
    );
    expect(screen.getByText('1 waiting · checked every 2 s')).toBeTruthy();

    // The worker sends it: the next read (2 s later) shows it sent, and the polling stops.
    list = [delivery({ id: 'd9' }), FAILED];
    const reads = () => sent.filter((r) => r.url.endsWith('/deliveries')).length;
    const before = reads();
    await vi.advanceTimersByTimeAsync(2100);
    await vi.waitFor(() => expect(rows(table)[0]?.[2]).toBe('Sent'));
    expect(reads()).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(6000);
    expect(reads()).toBe(before + 1);
    expect(screen.queryByText(/waiting · checked/)).toBeNull();
  });

  it('says so when the target no longer exists', async () => {
    fakeFetch(() => json({ error: 'Not found' }, 404));
    renderInApp(<TargetPage id="gone" vms={[]} />);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'There is no such alert target: it may have been deleted.',
    );
  });
});
