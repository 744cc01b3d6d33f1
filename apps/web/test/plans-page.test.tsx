// @vitest-environment happy-dom
// The Plans page by role: admins see every button; help desk runs only what a plan is marked for and never edits;
// viewers get the dry run alone, in the direction they choose. Starting asks first, with the dry run shown tier by tier; a start that does not
// fit names the shortfall and is sent only through an explicit "Start anyway" (evenIfShort); help desk shutting a
// plan down must say why. A failed refresh keeps the list on screen and says so.
import type { DirectionBody } from '@powerdeck/contracts/plans';
import { ROLE_PERMISSIONS, type Role } from '@powerdeck/contracts/roles';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../src/app/providers';
import { planQueries } from '../src/features/plans/api/plans-queries';
import { PlansPage } from '../src/features/plans/components/plans-page';
import { json, openAt, renderInApp } from './dom';
import { dryRun, opTier, plan, planRun } from './plans-fixtures';
import { fakeFetch, type Sent } from './schedule-fixtures';

afterEach(() => vi.unstubAllGlobals());

const PLANS = [
  plan({ id: 'p1', name: 'Site A', helpdesk: 'none' }),
  plan({ id: 'p2', name: 'Site B', helpdesk: 'start' }),
  plan({ id: 'p3', name: 'Lab', helpdesk: 'startAndShutdown' }),
];

function serve(opts: { fits?: boolean; refuseShort?: boolean; listDown?: () => boolean } = {}) {
  return fakeFetch((req) => {
    if (req.url === '/api/plans' && req.method === 'GET') {
      return opts.listDown?.()
        ? json({ error: 'Powerdeck is restarting', code: 'unavailable' }, 503)
        : json({ plans: PLANS });
    }
    const m = /^\/api\/plans\/(\w+)\/(dry-run|run)$/.exec(req.url);
    if (m?.[2] === 'dry-run') {
      const { direction } = req.body as DirectionBody;
      return json(
        opts.fits === false && direction === 'start'
          ? dryRun({ fits: false, shortfall: 'Needs 48 GB more RAM than node2 and node3 have free' })
          : dryRun({ direction, fits: direction === 'start' ? true : null }),
      );
    }
    if (m?.[2] === 'run' && opts.refuseShort && !(req.body as { evenIfShort?: boolean }).evenIfShort) {
      return json({ error: 'Needs 8 GB more RAM than node1 has free', code: 'does_not_fit' }, 422);
    }
    if (m?.[2] === 'run')
      return json(planRun([opTier(0, 'Domain controllers', { state: 'active' })], []), 201);
    return undefined;
  });
}

async function open(role: Role, client = createQueryClient()) {
  openAt('/plans');
  renderInApp(<PlansPage role={role} permissions={ROLE_PERMISSIONS[role]} />, client);
  await screen.findByRole('list', { name: 'Plans' });
}

const card = (name: string) => screen.getByRole('listitem', { name });
const buttons = (name: string) =>
  within(card(name))
    .getAllByRole('button')
    .map((b) => b.textContent);
const runs = (sent: readonly Sent[]) => sent.filter((r) => r.url.endsWith('/run'));

describe('the Plans page, by role', () => {
  it('admins: New plan, and every button on every plan', async () => {
    serve();
    await open('admin');
    expect(screen.getByRole('button', { name: 'New plan' })).toBeTruthy();
    for (const name of ['Site A', 'Site B', 'Lab']) {
      expect(buttons(name)).toEqual(['Dry run', 'Start plan', 'Shut down plan', 'Edit', 'Delete']);
    }
    expect(card('Site A').textContent).toContain('3 tiers · Domain controllers → Databases → Web');
    expect(card('Site A').textContent).toContain('3 chosen VMs and 1 filter');
    expect(card('Site A').textContent).toContain('Admins only');
  });

  it('help desk: runs a plan as far as it is marked for them, never edits', async () => {
    serve();
    await open('helpdesk');
    expect(screen.queryByRole('button', { name: 'New plan' })).toBeNull();
    expect(buttons('Site A')).toEqual(['Dry run']);
    expect(buttons('Site B')).toEqual(['Dry run', 'Start plan']);
    expect(buttons('Lab')).toEqual(['Dry run', 'Start plan', 'Shut down plan']);
    expect(card('Site B').textContent).toContain('Help desk may start it');
  });

  it('viewers: the dry run alone', async () => {
    serve();
    await open('viewer');
    for (const name of ['Site A', 'Site B', 'Lab']) expect(buttons(name)).toEqual(['Dry run']);
  });

  it('the dry run is asked for again in the direction chosen', async () => {
    const { sent } = serve();
    await open('viewer');
    const user = userEvent.setup();
    await user.click(within(card('Lab')).getByRole('button', { name: 'Dry run' }));
    const dialog = await screen.findByRole('dialog', { name: 'Dry run of “Lab”' });
    const direction = within(dialog).getByRole('group', { name: 'Direction' });
    const radio = (name: string) => within(direction).getByRole<HTMLInputElement>('radio', { name });
    expect([radio('Start').checked, radio('Shut down').checked]).toEqual([true, false]);
    await user.click(radio('Shut down'));
    expect([radio('Start').checked, radio('Shut down').checked]).toEqual([false, true]);
    await vi.waitFor(() =>
      expect(sent.filter((r) => r.url === '/api/plans/p3/dry-run').map((r) => r.body)).toEqual([
        { direction: 'start' },
        { direction: 'shutdown' },
      ]),
    );
  });
});

describe('the list of plans', () => {
  it('stays on screen when a refresh fails, and says so', async () => {
    let down = false;
    serve({ listDown: () => down });
    // The app's query client, its retry rule as it is, without the pause before the retry.
    const client = createQueryClient();
    client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retryDelay: 0 } });
    await open('viewer', client);
    expect(screen.queryByRole('status')).toBeNull();
    down = true;
    await client.refetchQueries({ queryKey: planQueries.list().queryKey });
    expect((await screen.findByRole('status')).textContent).toBe(
      'Could not refresh: Powerdeck is restarting. Showing what was loaded before.',
    );
    for (const name of ['Site A', 'Site B', 'Lab']) expect(card(name)).toBeTruthy();
  });
});

describe('starting and shutting down a plan', () => {
  it('shows the dry run first, tier by tier, then starts it once', async () => {
    const { sent } = serve();
    await open('admin');
    const user = userEvent.setup();
    await user.click(within(card('Site A')).getByRole('button', { name: 'Start plan' }));
    const dialog = await screen.findByRole('dialog', { name: 'Start “Site A”?' });
    const tiers = await within(dialog).findByRole('list', { name: 'What each tier would do' });
    expect(
      within(tiers)
        .getAllByRole('listitem')
        .filter((li) => li.parentElement === tiers)
        .map((li) => li.getAttribute('aria-label')),
    ).toEqual(['1. Domain controllers', '2. Databases']);
    expect(tiers.textContent).toContain('dc-1Starts');
    expect(tiers.textContent).toContain('dc-2Already running');
    expect(tiers.textContent).toContain('db-1Not in the fleet');
    expect(dialog.textContent).toContain('fits on node1');
    await user.click(within(dialog).getByRole('button', { name: 'Start plan' }));
    await vi.waitFor(() => expect(runs(sent)).toHaveLength(1));
    expect(runs(sent)[0]).toMatchObject({
      url: '/api/plans/p1/run',
      method: 'POST',
      body: { direction: 'start' },
    });
    await vi.waitFor(() => expect(window.location.pathname).toBe('/plans/p1/runs/op1'));
  });

  it('a start that does not fit names the shortfall and is sent only as "Start anyway"', async () => {
    const { sent } = serve({ fits: false });
    await open('admin');
    const user = userEvent.setup();
    await user.click(within(card('Site A')).getByRole('button', { name: 'Start plan' }));
    const dialog = await screen.findByRole('dialog', { name: 'Start “Site A”?' });
    expect(
      await within(dialog).findByText('Needs 48 GB more RAM than node2 and node3 have free'),
    ).toBeTruthy();
    expect(within(dialog).queryByRole('button', { name: 'Start plan' })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Start anyway' }));
    await vi.waitFor(() => expect(runs(sent)).toHaveLength(1));
    expect(runs(sent)[0]?.body).toEqual({ direction: 'start', evenIfShort: true });
  });

  it('a start the server finds short after all (422) names the shortfall and offers "Start anyway"', async () => {
    const { sent } = serve({ refuseShort: true });
    await open('admin');
    const user = userEvent.setup();
    await user.click(within(card('Site A')).getByRole('button', { name: 'Start plan' }));
    const dialog = await screen.findByRole('dialog', { name: 'Start “Site A”?' });
    await within(dialog).findByRole('list', { name: 'What each tier would do' });
    await user.click(within(dialog).getByRole('button', { name: 'Start plan' }));
    expect(await within(dialog).findByText('Needs 8 GB more RAM than node1 has free')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Start anyway' }));
    await vi.waitFor(() => expect(runs(sent)).toHaveLength(2));
    expect(runs(sent).map((r) => r.body)).toEqual([
      { direction: 'start' },
      { direction: 'start', evenIfShort: true },
    ]);
  });

  it('help desk says why it shuts a plan down', async () => {
    const { sent } = serve();
    await open('helpdesk');
    const user = userEvent.setup();
    await user.click(within(card('Lab')).getByRole('button', { name: 'Shut down plan' }));
    const dialog = await screen.findByRole('dialog', { name: 'Shut down “Lab”?' });
    await within(dialog).findByRole('list', { name: 'What each tier would do' });
    const confirm = within(dialog).getByRole('button', { name: 'Shut down plan' });
    await user.click(confirm);
    expect(within(dialog).getByRole('alert').textContent).toContain('Say why');
    expect(runs(sent)).toHaveLength(0);
    await user.type(within(dialog).getByRole('textbox', { name: 'Reason' }), 'ticket 7');
    await user.click(confirm);
    await vi.waitFor(() => expect(runs(sent)).toHaveLength(1));
    expect(runs(sent)[0]).toMatchObject({
      url: '/api/plans/p3/run',
      body: { direction: 'shutdown', reason: 'ticket 7' },
    });
  });
});
