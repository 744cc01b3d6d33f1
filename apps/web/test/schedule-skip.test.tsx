// @vitest-environment happy-dom
// A VM's next scheduled action and its "skip": the line in the viewer's zone; "skip" only for those who may skip
// runs; the dialog wants a reason (nothing is sent without one), then skips that schedule's run at that time, once,
// with the CSRF header; a refusal shows in place with the reason kept. The Schedules page's buttons by permission.
import { CSRF_HEADER, ROLE_PERMISSIONS } from '@powerdeck/contracts/roles';
import type { NextAction } from '@powerdeck/contracts/schedules';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NextActionNote } from '../src/features/schedules/components/next-action-note';
import { SchedulesPage } from '../src/features/schedules/components/schedules-page';
import { json, renderInApp } from './dom';
import { fakeFetch, schedule, viewerIn } from './schedule-fixtures';

// The viewer is in New York.
viewerIn('America/New_York');
afterEach(() => vi.unstubAllGlobals());

const ACTION: NextAction = {
  vm: 1,
  scheduleId: 's1',
  scheduleName: 'Office hours',
  action: 'shutdown',
  at: '2030-01-07T18:00:00Z',
};

describe("a VM's next action", () => {
  it('reads in the viewer zone, without "skip" for those who may not skip', () => {
    fakeFetch(() => undefined);
    renderInApp(<NextActionNote action={ACTION} canSkip={false} />);
    expect(screen.getByText('Shut down Mon 2030-01-07 at 13:00 · Office hours')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('skips that run only with a reason', async () => {
    let refuse = true;
    const { sent } = fakeFetch((req) =>
      req.url === '/api/schedules/s1/skip'
        ? refuse
          ? json({ error: 'That run is not upcoming' }, 409)
          : json(schedule())
        : undefined,
    );
    const user = userEvent.setup();
    renderInApp(<NextActionNote action={ACTION} canSkip />);
    await user.click(screen.getByRole('button', { name: 'Skip Office hours at Mon 2030-01-07 13:00' }));
    const dialog = await screen.findByRole('dialog', {
      name: 'Skip “Office hours” at Mon 2030-01-07 13:00?',
    });
    const reason = within(dialog).getByRole('textbox', { name: 'Reason' });
    expect(document.activeElement).toBe(reason);

    await user.click(within(dialog).getByRole('button', { name: 'Skip run' }));
    expect(dialog.textContent).toContain('Say why, for the audit log.');
    await user.type(reason, '   ');
    await user.click(within(dialog).getByRole('button', { name: 'Skip run' }));
    expect(sent).toHaveLength(0);

    await user.type(reason, 'Patch freeze, CHG-1234');
    await user.click(within(dialog).getByRole('button', { name: 'Skip run' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('That run is not upcoming');
    expect((reason as HTMLTextAreaElement).value).toBe('   Patch freeze, CHG-1234');

    refuse = false;
    await user.click(within(dialog).getByRole('button', { name: 'Skip run' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const skips = sent.filter((r) => r.url === '/api/schedules/s1/skip');
    expect(skips).toHaveLength(2);
    expect(skips[1]?.method).toBe('POST');
    expect(skips[1]?.headers[CSRF_HEADER]).toBe('1');
    expect(skips[1]?.body).toEqual({ at: '2030-01-07T18:00:00Z', reason: 'Patch freeze, CHG-1234' });
  });
});

describe('the Schedules page', () => {
  const serve = () =>
    fakeFetch((req) => {
      if (req.url === '/api/schedules')
        return json({
          schedules: [
            schedule(),
            schedule({
              id: 's2',
              name: 'Patch night',
              action: 'reboot',
              targets: { kind: 'filter', filter: 'status:running' },
              when: { kind: 'cron', expression: '0 2 * * 6' },
              paused: { by: 'bob', reason: 'Year-end freeze', at: '2026-12-01T10:00:00Z' },
              next: null,
              skips: [],
            }),
          ],
        });
      if (req.url.startsWith('/api/schedules/runs'))
        return json({
          runs: [
            {
              id: 'r1',
              scheduleId: 's1',
              scheduleName: 'Office hours',
              scheduledFor: '2026-12-02T18:00:00Z',
              outcome: 'missed',
              detail: 'Powerdeck was down until 19:40',
              operationId: null,
              recordedAt: '2026-12-02T18:40:00Z',
            },
          ],
        });
      return undefined;
    });

  it('shows each schedule in words, and to a viewer no buttons', async () => {
    serve();
    renderInApp(<SchedulesPage permissions={ROLE_PERMISSIONS.viewer} vms={[]} />);
    const office = await screen.findByRole('listitem', { name: 'Office hours' });
    expect(office.textContent).toContain('Shut down · 2 chosen VMs · Weekdays at 19:00 (Europe/Berlin)');
    expect(office.textContent).toContain('Mon 2030-01-07 19:00');
    expect(office.textContent).toContain('Frees 4 cores and 8 GB');
    const patch = screen.getByRole('listitem', { name: 'Patch night' });
    expect(patch.textContent).toContain(
      'Reboot · VMs matching “status:running” · cron 0 2 * * 6 (Europe/Berlin)',
    );
    expect(patch.textContent).toContain('Paused by bob');
    expect(patch.textContent).toContain('“Year-end freeze”');
    expect(patch.textContent).toContain('None while paused');
    expect(screen.queryAllByRole('button', { name: /Skip|Pause|Resume|Edit|Delete|New schedule/ })).toEqual(
      [],
    );
    const runs = await screen.findByRole('table', { name: 'Runs' });
    expect(runs.textContent).toContain('Missed');
    expect(runs.textContent).toContain('Powerdeck was down until 19:40');
  });

  it('help-desk may skip, pause and resume; admins also create, edit and delete', async () => {
    serve();
    const { unmount } = renderInApp(<SchedulesPage permissions={ROLE_PERMISSIONS.helpdesk} vms={[]} />);
    const office = await screen.findByRole('listitem', { name: 'Office hours' });
    const names = (el: HTMLElement) =>
      within(el)
        .queryAllByRole('button')
        .map((b) => b.textContent);
    expect(names(office)).toEqual(['Skip next run', 'Pause']);
    expect(names(screen.getByRole('listitem', { name: 'Patch night' }))).toEqual(['Resume']);
    expect(screen.queryByRole('button', { name: 'New schedule' })).toBeNull();
    unmount();

    renderInApp(<SchedulesPage permissions={ROLE_PERMISSIONS.admin} vms={[]} />);
    const again = await screen.findByRole('listitem', { name: 'Office hours' });
    expect(names(again)).toEqual(['Skip next run', 'Pause', 'Edit', 'Delete']);
    expect(screen.getByRole('button', { name: 'New schedule' })).toBeTruthy();
  });
});
