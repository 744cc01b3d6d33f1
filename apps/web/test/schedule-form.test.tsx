// @vitest-environment happy-dom
// The schedule form as a person fills it in: problems by their fields and nothing sent until they are fixed; the
// preview of the next runs in the schedule's zone and the viewer's side by side (excluded runs marked), the server's
// zone named once the preview says it; a filter's "N VMs match now", its hint and problem read out with it; a refused cron expression explained in the
// preview; a refused save shown in place with nothing typed lost.
import type { PreviewBody, ScheduleBody } from '@powerdeck/contracts/schedules';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScheduleFormDialog } from '../src/features/schedules/components/schedule-form-dialog';
import { json, renderInApp } from './dom';
import { vm } from './fleet-fixtures';
import { fakeFetch, preview, schedule, type Sent, viewerIn } from './schedule-fixtures';

// The viewer is in New York; the schedules in Berlin (six hours ahead in January).
viewerIn('America/New_York');
afterEach(() => vi.unstubAllGlobals());

const FLEET = [
  vm(1, { name: 'lab-web-01' }),
  vm(2, { name: 'lab-db-01', status: 'stopped' }),
  vm(3, { name: 'prod-web-01' }),
  vm(4, { name: 'lab-web-02' }),
];

function serve({ save }: { save?: (body: ScheduleBody) => Response } = {}) {
  return fakeFetch((req) => {
    if (req.url === '/api/schedules/preview') {
      const body = req.body as PreviewBody;
      if (body.when.kind === 'cron' && body.when.expression.startsWith('61'))
        return json({ error: 'Cron expression: Invalid value for minute: 61', code: 'invalid_request' }, 400);
      return json(preview(body.timeZone ? { timeZone: body.timeZone } : {}));
    }
    if (req.url === '/api/schedules' && req.method === 'POST')
      return save ? save(req.body as ScheduleBody) : json(schedule(), 201);
    return undefined;
  });
}

async function open() {
  const onClose = vi.fn();
  const user = userEvent.setup();
  renderInApp(<ScheduleFormDialog vms={FLEET} onClose={onClose} />);
  const dialog = await screen.findByRole('dialog', { name: 'New schedule' });
  return { user, dialog, onClose };
}

const saves = (sent: readonly Sent[]) =>
  sent.filter((r) => r.url === '/api/schedules' && r.method === 'POST');

describe('the schedule form', () => {
  it('names what is missing by its field and sends nothing', async () => {
    const { sent } = serve();
    const { user, dialog } = await open();
    await user.click(within(dialog).getByRole('button', { name: 'Create schedule' }));
    expect(within(dialog).getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBe('true');
    expect(dialog.textContent).toContain('Give the schedule a name');
    expect(dialog.textContent).toContain('Choose at least one VM');
    expect(
      within(dialog).getByText('Choose the targets and when it runs to see its next runs.'),
    ).toBeTruthy();
    expect(saves(sent)).toHaveLength(0);
    expect(sent.filter((r) => r.url === '/api/schedules/preview')).toHaveLength(0);
  });

  it('previews the next runs in the schedule zone and the viewer zone, side by side', async () => {
    const { sent } = serve();
    const { user, dialog } = await open();
    await user.type(within(dialog).getByRole('searchbox', { name: 'Search VMs' }), 'web');
    const list = within(dialog).getByRole('list', { name: 'VMs' });
    expect(
      within(list)
        .getAllByRole('checkbox')
        .map((c) => c.closest('label')?.textContent),
    ).toEqual(['lab-web-01node1', 'prod-web-01node1', 'lab-web-02node1']);
    await user.click(within(list).getByRole('checkbox', { name: /lab-web-02/ }));
    expect(within(dialog).getByText('1 VM chosen')).toBeTruthy();

    const table = await within(dialog).findByRole('table', { name: 'Next runs' });
    const rows = within(table)
      .getAllByRole('row')
      .map((r) =>
        within(r)
          .queryAllByRole(r.querySelector('th') ? 'columnheader' : 'cell')
          .map((c) => c.textContent),
      );
    expect(rows).toEqual([
      ['Europe/Berlin', 'Your time (America/New_York)', 'Note'],
      ['Mon 2030-01-07 19:00', 'Mon 2030-01-07 13:00', ''],
      ['Tue 2030-01-08 19:00', 'Tue 2030-01-08 13:00', 'excluded date'],
      ['Wed 2030-01-09 19:00', 'Wed 2030-01-09 13:00', ''],
    ]);
    expect(dialog.textContent).toContain('2 VMs now · Frees 4 cores and 8 GB');
    // The draft names no zone: the server's is used, and the select says which it is.
    expect(
      within(dialog).getByRole('combobox', { name: 'Time zone' }).querySelector('option')?.textContent,
    ).toBe("The server's (Europe/Berlin)");
    expect(sent.find((r) => r.url === '/api/schedules/preview')?.body).toEqual({
      action: 'shutdown',
      targets: { kind: 'vms', vms: [4] },
      when: { kind: 'weekdays', time: '19:00' },
    });
  });

  it('counts and names the VMs a filter matches now', async () => {
    serve();
    const { user, dialog } = await open();
    await user.click(within(dialog).getByRole('radio', { name: 'A filter' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create schedule' }));
    const filter = within(dialog).getByRole('textbox', { name: 'Filter' });
    expect(filter.getAttribute('aria-invalid')).toBe('true');
    expect(
      (filter.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent),
    ).toEqual([
      'Name words, status: and node:, as in the fleet view; resolved again at each run.',
      'Type a filter, e.g. lab status:running',
    ]);
    await user.type(within(dialog).getByRole('textbox', { name: 'Filter' }), 'lab status:running');
    expect(within(dialog).getByText(/VMs match now/).textContent).toBe(
      '2 VMs match now: lab-web-01, lab-web-02',
    );
    await user.clear(within(dialog).getByRole('textbox', { name: 'Filter' }));
    await user.type(within(dialog).getByRole('textbox', { name: 'Filter' }), 'nothing-like-it');
    expect(within(dialog).getByText(/match now/).textContent).toBe('0 VMs match now');
  });

  it("shows the server's word on a bad cron expression in the preview", async () => {
    serve();
    const { user, dialog } = await open();
    await user.click(within(list(dialog)).getByRole('checkbox', { name: /lab-web-01/ }));
    await user.click(within(dialog).getByRole('radio', { name: 'Cron' }));
    await user.type(within(dialog).getByRole('textbox', { name: 'Cron expression' }), '61 * * * *');
    expect(await within(dialog).findByText('Cron expression: Invalid value for minute: 61')).toBeTruthy();
    expect(within(dialog).queryByRole('table', { name: 'Next runs' })).toBeNull();
  });

  it('keeps what was typed when the server refuses, and saves once it accepts', async () => {
    let refuse = true;
    const { sent } = serve({
      save: () =>
        refuse
          ? json({ error: "Unknown time zone 'Mars/Base'", code: 'invalid_request' }, 400)
          : json(schedule(), 201),
    });
    const { user, dialog, onClose } = await open();
    await user.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'Lab nights');
    await user.click(within(list(dialog)).getByRole('checkbox', { name: /lab-db-01/ }));
    await user.click(within(dialog).getByRole('radio', { name: 'Weekly' }));
    await user.click(within(dialog).getByRole('button', { name: 'Friday' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create schedule' }));

    expect((await within(dialog).findByRole('alert')).textContent).toBe("Unknown time zone 'Mars/Base'");
    expect(onClose).not.toHaveBeenCalled();
    expect(within(dialog).getByRole<HTMLInputElement>('textbox', { name: 'Name' }).value).toBe('Lab nights');
    expect(within(dialog).getByText('1 VM chosen')).toBeTruthy();

    refuse = false;
    await user.click(within(dialog).getByRole('button', { name: 'Create schedule' }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalledOnce());
    const posted = saves(sent);
    expect(posted).toHaveLength(2);
    expect(posted[1]?.body).toEqual({
      name: 'Lab nights',
      enabled: true,
      action: 'shutdown',
      forceAfterS: null,
      targets: { kind: 'vms', vms: [2] },
      when: { kind: 'weekly', days: [1, 5], time: '19:00' },
      exclusions: [],
    });
  });
});

describe('a schedule of a power plan', () => {
  it('offers the plans, starts or shuts one down only, and sends its id without an escalation', async () => {
    const { sent } = serve();
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderInApp(
      <ScheduleFormDialog
        vms={FLEET}
        plans={[
          { id: 'p1', name: 'Site A' },
          { id: 'p2', name: 'Site B' },
        ]}
        onClose={onClose}
      />,
    );
    const dialog = await screen.findByRole('dialog', { name: 'New schedule' });
    const action = within(dialog).getByRole('combobox', { name: 'Action' });
    const planRadio = within(dialog).getByRole('radio', { name: 'A power plan' });

    // A reboot cannot run a plan.
    await user.selectOptions(action, 'reboot');
    expect(planRadio).toHaveProperty('disabled', true);
    await user.selectOptions(action, 'shutdown');
    await user.click(planRadio);
    // Its tiers say whether to force off: no escalation of the schedule's own; only start and shut down.
    expect(within(dialog).queryByRole('checkbox', { name: /Force off/ })).toBeNull();
    expect(
      within(action)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Start', 'Shut down']);

    await user.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'Site A nights');
    await user.click(within(dialog).getByRole('button', { name: 'Create schedule' }));
    expect(dialog.textContent).toContain('Choose a plan');
    expect(saves(sent)).toHaveLength(0);

    await user.selectOptions(within(dialog).getByRole('combobox', { name: 'Plan' }), 'Site A');
    await user.click(within(dialog).getByRole('button', { name: 'Create schedule' }));
    await vi.waitFor(() => expect(onClose).toHaveBeenCalledOnce());
    expect(saves(sent)[0]?.body).toMatchObject({
      action: 'shutdown',
      forceAfterS: null,
      targets: { kind: 'plan', plan: 'p1' },
    });
  });
});

function list(dialog: HTMLElement) {
  return within(dialog).getByRole('list', { name: 'VMs' });
}
