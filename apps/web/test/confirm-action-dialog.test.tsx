// @vitest-environment happy-dom
// The confirmation of a single VM's power action, as a person uses it: focus starts on Cancel (or the name field)
// and stays inside the dialog; Escape and Cancel close it without confirming; a force off waits for the VM's name
// typed exactly; helpdesk must say why it shuts down.
import type { FleetVm } from '@powerdeck/contracts/fleet';
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import {
  ConfirmActionDialog,
  type ConfirmActionDialogProps,
  type ConfirmKind,
} from '../src/features/power/components/confirm-action-dialog';
import type { Role } from '../src/features/power/lib/predicates';
import { renderInApp } from './dom';
import { vm } from './fleet-fixtures';

const WEB_01: FleetVm = vm(1, { name: 'web-01' });

/** A card's button that opens the dialog, as the power strip does; the dialog closes itself through onClose. */
function Card({ kind, role, onConfirm, ...rest }: Partial<ConfirmActionDialogProps> & { kind: ConfirmKind }) {
  const [open, setOpen] = useState(false);
  return (
    <article aria-label="web-01">
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open && (
        <ConfirmActionDialog
          kind={kind}
          vm={WEB_01}
          stale={false}
          role={role ?? 'admin'}
          onConfirm={onConfirm ?? (() => undefined)}
          onClose={() => setOpen(false)}
          {...rest}
        />
      )}
    </article>
  );
}

async function open(kind: ConfirmKind, role: Role = 'admin', props: Partial<ConfirmActionDialogProps> = {}) {
  const onConfirm = vi.fn<ConfirmActionDialogProps['onConfirm']>();
  const user = userEvent.setup();
  renderInApp(<Card kind={kind} role={role} onConfirm={onConfirm} {...props} />);
  await user.click(screen.getByRole('button', { name: 'Open' }));
  const dialog = screen.getByRole('dialog');
  return { user, dialog, onConfirm };
}

describe('the confirmation of a power action', () => {
  it('starts on Cancel and keeps focus inside the dialog', async () => {
    const { user, dialog } = await open('shutdown');
    expect(dialog).toHaveProperty('textContent', expect.stringContaining('Shut down web-01?'));
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));

    for (let i = 0; i < 8; i++) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    for (let i = 0; i < 8; i++) {
      await user.tab({ shift: true });
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    // Nor does focus leave when something outside asks for it (a click behind the overlay, a script).
    act(() => screen.getByRole('button', { name: 'Open', hidden: true }).focus());
    expect(dialog.contains(document.activeElement)).toBe(true);
  });

  it('Enter on the first focus does not confirm', async () => {
    const { user, onConfirm } = await open('shutdown');
    await user.keyboard('{Enter}');
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('Escape closes it without confirming, and focus goes back to the button that opened it', async () => {
    const { user, onConfirm } = await open('shutdown');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Open' }));
  });

  it('Cancel closes it without confirming', async () => {
    const { user, dialog, onConfirm } = await open('reboot');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('confirms a shut down with the reason given', async () => {
    const { user, dialog, onConfirm } = await open('shutdown');
    const reason = within(dialog).getByRole('textbox', { name: 'Reason' });
    expect(reason.getAttribute('aria-describedby')).toBeTruthy();
    expect(dialog.textContent).toContain('optional, for the audit log');
    await user.type(reason, 'patch night');
    await user.click(within(dialog).getByRole('button', { name: 'Shut down' }));
    expect(onConfirm).toHaveBeenCalledExactlyOnceWith('patch night', null);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  describe('force off', () => {
    it('waits for the VM’s name typed exactly, starting in that field', async () => {
      const { user, dialog, onConfirm } = await open('forceOff');
      expect(dialog.textContent).toContain('Force off web-01?');
      expect(dialog.textContent).toContain('Anything the guest has not written to disk is lost');
      const name = within(dialog).getByRole('textbox', { name: 'Type the VM name to confirm' });
      const confirm = within(dialog).getByRole('button', { name: 'Force off' });
      expect(document.activeElement).toBe(name);
      expect(confirm).toHaveProperty('disabled', true);

      await user.type(name, 'web-0');
      expect(confirm).toHaveProperty('disabled', true);
      await user.type(name, '1 ');
      expect(confirm).toHaveProperty('disabled', true);
      await user.clear(name);
      await user.type(name, 'WEB-01');
      expect(confirm).toHaveProperty('disabled', true);
      // Enter in the field confirms nothing, even once the name is right.
      await user.clear(name);
      await user.type(name, 'web-01{Enter}');
      expect(onConfirm).not.toHaveBeenCalled();
      expect(confirm).toHaveProperty('disabled', false);

      await user.click(confirm);
      expect(onConfirm).toHaveBeenCalledExactlyOnceWith('', null);
    });

    it('Escape with the name typed sends nothing', async () => {
      const { user, dialog, onConfirm } = await open('forceOff');
      await user.type(within(dialog).getByRole('textbox', { name: 'Type the VM name to confirm' }), 'web-01');
      await user.keyboard('{Escape}');
      expect(screen.queryByRole('dialog')).toBeNull();
      expect(onConfirm).not.toHaveBeenCalled();
    });
  });

  describe('for helpdesk', () => {
    it('a shut down needs a reason that is not blank', async () => {
      const { user, dialog, onConfirm } = await open('shutdown', 'helpdesk');
      const reason = within(dialog).getByRole('textbox', { name: 'Reason' });
      const confirm = within(dialog).getByRole('button', { name: 'Shut down' });
      expect(reason).toHaveProperty('required', true);
      expect(dialog.textContent).toContain('required, for the audit log');
      expect(confirm).toHaveProperty('disabled', true);

      await user.type(reason, '   ');
      expect(confirm).toHaveProperty('disabled', true);
      await user.type(reason, 'ticket 4711');
      expect(confirm).toHaveProperty('disabled', false);

      await user.click(confirm);
      expect(onConfirm).toHaveBeenCalledExactlyOnceWith('   ticket 4711', null);
    });

    it('a reboot needs one too; no force-off escalation is offered', async () => {
      const { dialog } = await open('reboot', 'helpdesk');
      expect(within(dialog).getByRole('textbox', { name: 'Reason' })).toHaveProperty('required', true);
      expect(within(dialog).getByRole('button', { name: 'Reboot' })).toHaveProperty('disabled', true);
      expect(within(dialog).queryByRole('checkbox', { name: 'Force off if still running after' })).toBeNull();
    });
  });

  it('offers the escalation to a role that may force off, sending its seconds', async () => {
    const { user, dialog, onConfirm } = await open('shutdown', 'admin', { offerEscalation: true });
    const box = within(dialog).getByRole('checkbox', { name: 'Force off if still running after' });
    const seconds = within(dialog).getByRole('spinbutton', { name: 'Seconds before forcing off' });
    // The agent reports: not pre-ticked, and the seconds wait for the box.
    expect(box).toHaveProperty('checked', false);
    expect(seconds).toHaveProperty('disabled', true);

    await user.click(box);
    await user.clear(seconds);
    await user.type(seconds, '300');
    await user.click(within(dialog).getByRole('button', { name: 'Shut down' }));
    expect(onConfirm).toHaveBeenCalledExactlyOnceWith('', 300);
  });
});
