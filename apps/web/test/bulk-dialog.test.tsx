// @vitest-environment happy-dom
// A bulk action from the selection bar, as a person confirms it: the dialog counts the VMs it acts on, names the
// ones it skips and why, offers the force-off escalation to admins, asks helpdesk why, wants the count typed for a
// force off, and sends one request only when confirmed (nothing on Escape or Cancel).
import type { FleetVm } from '@powerdeck/contracts/fleet';
import type { Operation } from '@powerdeck/contracts/operations';
import { ROLE_PERMISSIONS, type Role } from '@powerdeck/contracts/roles';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { BulkBar, type BulkBarProps } from '../src/features/operations/components/bulk-bar';
import { json, renderInApp } from './dom';
import { vm } from './fleet-fixtures';
import { op } from './operations-fixtures';

const WEB_01 = vm(1, { name: 'web-01' });
const WEB_02 = vm(2, { name: 'web-02', agentReporting: false });
const DB_01 = vm(3, { name: 'db-01', status: 'stopped' });
const DB_02 = vm(4, { name: 'db-02', status: 'hibernated' });
const APP_01 = vm(5, { name: 'app-01' });

let fetchMock: Mock<typeof fetch>;
beforeEach(() => {
  fetchMock = vi.fn<typeof fetch>();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

/** What the page sent to the BFF: method, path, body. */
function sent() {
  return fetchMock.mock.calls.map(([url, init]) => ({
    method: init?.method,
    url: typeof url === 'string' ? url : url instanceof URL ? url.href : url.url,
    body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
  }));
}

/** The selection bar over `selected`, for `role`; clicks `<label> selected` and returns the dialog. */
async function openBulk(
  role: Role,
  label: string,
  selected: readonly FleetVm[],
  props: Partial<BulkBarProps> = {},
) {
  const onStarted = vi.fn<BulkBarProps['onStarted']>();
  const user = userEvent.setup();
  renderInApp(
    <BulkBar
      matching={selected.length}
      selected={selected}
      allMatchingSelected
      me={{ username: 'alice', role, permissions: ROLE_PERMISSIONS[role] }}
      stale={false}
      onSelectAll={() => undefined}
      onClear={() => undefined}
      onStarted={onStarted}
      {...props}
    />,
  );
  await user.click(screen.getByRole('button', { name: `${label} selected` }));
  const dialog = await screen.findByRole('dialog');
  return { user, dialog, onStarted };
}

const items = (list: HTMLElement) =>
  within(list)
    .getAllByRole('listitem')
    .map((li) => li.textContent);

describe('the bulk confirmation', () => {
  it('counts the VMs it acts on and names the skipped ones with why', async () => {
    const { dialog } = await openBulk('admin', 'Shut down', [WEB_01, DB_01, WEB_02, DB_02]);

    expect(within(dialog).getByRole('heading', { name: 'Shut down 2 VMs?' })).toBeTruthy();
    expect(dialog.textContent).toContain('To shut down (2)');
    expect(items(within(dialog).getByRole('list', { name: 'VMs to shut down' }))).toEqual([
      'web-01',
      'web-02no agent',
    ]);
    expect(dialog.textContent).toContain('Skipped (2)');
    expect(items(within(dialog).getByRole('list', { name: 'Skipped VMs' }))).toEqual([
      'db-01already stopped',
      'db-02hibernated',
    ]);
    expect(dialog.textContent).toContain(
      '1 of them have no guest agent reporting: the guests may ignore the shut down request',
    );
    expect(within(dialog).getByRole('button', { name: 'Shut down 2 VMs' })).toBeTruthy();
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
  });

  it('says so when none of the selected VMs can be acted on, and cannot be confirmed', async () => {
    const { dialog } = await openBulk('admin', 'Shut down', [DB_01]);
    expect(within(dialog).getByRole('heading', { name: 'Shut down 0 VMs?' })).toBeTruthy();
    expect(dialog.textContent).toContain('None of the selected VMs can be shut down now.');
    expect(within(dialog).queryByRole('list', { name: 'VMs to shut down' })).toBeNull();
    expect(items(within(dialog).getByRole('list', { name: 'Skipped VMs' }))).toEqual([
      'db-01already stopped',
    ]);
    expect(within(dialog).getByRole('button', { name: 'Shut down 0 VMs' })).toHaveProperty('disabled', true);
  });

  it('Escape and Cancel send nothing', async () => {
    const { user, dialog } = await openBulk('admin', 'Reboot', [WEB_01, WEB_02]);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Reboot selected' }));
    const again = await screen.findByRole('dialog');
    expect(again).not.toBe(dialog);
    await user.click(within(again).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  describe('the force-off escalation (admins)', () => {
    it('is pre-ticked when some guests have no agent, and its seconds are checked', async () => {
      const { user, dialog, onStarted } = await openBulk('admin', 'Shut down', [WEB_01, WEB_02, DB_01]);
      const box = within(dialog).getByRole('checkbox', { name: 'Force off if still running after' });
      const seconds = within(dialog).getByRole('spinbutton', { name: 'Seconds before forcing off' });
      const confirm = within(dialog).getByRole('button', { name: 'Shut down 2 VMs' });
      expect(box).toHaveProperty('checked', true);
      expect(seconds).toHaveProperty('value', '120');

      await user.clear(seconds);
      await user.type(seconds, '5');
      expect(confirm).toHaveProperty('disabled', true);
      expect(dialog.textContent).toContain('Between 10 and 1800 s');

      await user.clear(seconds);
      await user.type(seconds, '300');
      expect(confirm).toHaveProperty('disabled', false);

      const created: Operation = op('op-1', { forceAfterS: 300 });
      fetchMock.mockResolvedValueOnce(json(created, 201));
      await user.click(confirm);

      await vi.waitFor(() => expect(onStarted).toHaveBeenCalledOnce());
      expect(sent()).toEqual([
        {
          method: 'POST',
          url: '/api/operations',
          body: { action: 'shutdown', vms: [1, 2], forceAfterS: 300 },
        },
      ]);
      expect(onStarted.mock.calls[0]?.[0]).toMatchObject({ id: 'op-1' });
      expect(onStarted.mock.calls[0]?.[1].map((s) => [s.vm.name, s.why])).toEqual([
        ['db-01', 'already stopped'],
      ]);
    });

    it('is not ticked when every agent reports; unticked, it sends no force-off moment', async () => {
      const { user, dialog, onStarted } = await openBulk('admin', 'Shut down', [WEB_01, APP_01]);
      expect(dialog.textContent).toContain('Guest agent is reporting on every one of them');
      const box = within(dialog).getByRole('checkbox', { name: 'Force off if still running after' });
      expect(box).toHaveProperty('checked', false);
      expect(within(dialog).getByRole('spinbutton', { name: 'Seconds before forcing off' })).toHaveProperty(
        'disabled',
        true,
      );
      fetchMock.mockResolvedValueOnce(json(op('op-2'), 201));
      await user.click(within(dialog).getByRole('button', { name: 'Shut down 2 VMs' }));
      await vi.waitFor(() => expect(onStarted).toHaveBeenCalledOnce());
      expect(sent()[0]?.body).toEqual({ action: 'shutdown', vms: [1, 5] });
    });

    it('is not offered to helpdesk, who must give a reason', async () => {
      const { user, dialog, onStarted } = await openBulk('helpdesk', 'Shut down', [WEB_01, WEB_02]);
      expect(within(dialog).queryByRole('checkbox', { name: 'Force off if still running after' })).toBeNull();
      const reason = within(dialog).getByRole('textbox', { name: 'Reason' });
      const confirm = within(dialog).getByRole('button', { name: 'Shut down 2 VMs' });
      expect(reason).toHaveProperty('required', true);
      expect(confirm).toHaveProperty('disabled', true);

      await user.type(reason, ' patch night ');
      fetchMock.mockResolvedValueOnce(json(op('op-3'), 201));
      await user.click(confirm);
      await vi.waitFor(() => expect(onStarted).toHaveBeenCalledOnce());
      expect(sent()[0]?.body).toEqual({ action: 'shutdown', vms: [1, 2], reason: 'patch night' });
    });
  });

  it('a force off waits for the number of VMs typed out', async () => {
    const { user, dialog, onStarted } = await openBulk('admin', 'Force off', [WEB_01, WEB_02, DB_01]);
    const typed = within(dialog).getByRole('textbox', { name: 'Type the number of VMs to confirm' });
    const confirm = within(dialog).getByRole('button', { name: 'Force off 2 VMs' });
    expect(confirm).toHaveProperty('disabled', true);
    await user.type(typed, '3');
    expect(confirm).toHaveProperty('disabled', true);
    await user.clear(typed);
    await user.type(typed, '2');
    fetchMock.mockResolvedValueOnce(json(op('op-4', { action: 'forceOff' }), 201));
    await user.click(confirm);
    await vi.waitFor(() => expect(onStarted).toHaveBeenCalledOnce());
    expect(sent()).toEqual([
      { method: 'POST', url: '/api/operations', body: { action: 'forceOff', vms: [1, 2] } },
    ]);
  });

  it('sends the VMs at once only when changed', async () => {
    const { user, dialog, onStarted } = await openBulk('admin', 'Reboot', [WEB_01, WEB_02]);
    const parallel = within(dialog).getByRole('spinbutton', { name: 'VMs at once' });
    expect(parallel).toHaveProperty('value', '4');
    await user.clear(parallel);
    await user.type(parallel, '2');
    fetchMock.mockResolvedValueOnce(json(op('op-5', { action: 'reboot' }), 201));
    await user.click(within(dialog).getByRole('button', { name: 'Reboot 2 VMs' }));
    await vi.waitFor(() => expect(onStarted).toHaveBeenCalledOnce());
    expect(sent()[0]?.body).toEqual({ action: 'reboot', vms: [1, 2], parallelism: 2 });
  });

  it('shows a refusal in place and stays open', async () => {
    const { user, dialog, onStarted } = await openBulk('admin', 'Reboot', [WEB_01]);
    fetchMock.mockResolvedValueOnce(json({ err: 'VergeOS is not answering' }, 503));
    await user.click(within(dialog).getByRole('button', { name: 'Reboot 1 VM' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toBe('Could not reboot these VMs: VergeOS is not answering');
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(onStarted).not.toHaveBeenCalled();
    expect(fetchMock).toHaveBeenCalledOnce();
  });
});
