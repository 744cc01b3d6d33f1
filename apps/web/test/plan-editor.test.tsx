// @vitest-environment happy-dom
// The plan editor as an admin fills it in: problems by their fields and nothing sent until they are fixed; tiers
// added, renamed and reordered; VMs moved between tiers without a mouse (their "Move to tier" list, and dnd-kit's
// keyboard drag: Space, an arrow key, Space); a filter tier's VMs that match now, its hint and problem read out with
// it; the server's refusal in place with nothing typed lost; the body sent.
import type { PlanBody } from '@powerdeck/contracts/plans';
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlanEditor } from '../src/features/plans/components/plan-editor';
import { json, openAt, renderInApp } from './dom';
import { vm } from './fleet-fixtures';
import { plan } from './plans-fixtures';
import { fakeFetch, type Sent } from './schedule-fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});
/** One turn of the event loop: dnd-kit starts listening for the keys of a drag on the next one. */
const nextTurn = () => act(() => new Promise<void>((r) => setTimeout(r, 0)));

const FLEET = [
  vm(1, { name: 'dc-1' }),
  vm(2, { name: 'dc-2' }),
  vm(3, { name: 'db-1', status: 'stopped' }),
  vm(4, { name: 'web-1' }),
];

function serve(save?: (body: PlanBody) => Response) {
  return fakeFetch((req) => {
    if (req.url === '/api/plans' && req.method === 'POST') {
      return save ? save(req.body as PlanBody) : json(plan({ id: 'p9' }), 201);
    }
    return undefined;
  });
}

const saves = (sent: readonly Sent[]) => sent.filter((r) => r.url === '/api/plans' && r.method === 'POST');
const tier = (n: number) => screen.getByRole('region', { name: `Tier ${n}` });
/** What a control's `aria-describedby` reads out with it. */
const description = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? `(no #${id})`)
    .join(' ');
const chips = (n: number) =>
  within(tier(n))
    .queryAllByRole('button', { name: /^Drag / })
    .map((b) => b.getAttribute('aria-label')?.slice('Drag '.length));

async function open() {
  openAt('/plans/new');
  const user = userEvent.setup();
  renderInApp(<PlanEditor vms={FLEET} />);
  await screen.findByRole('heading', { name: 'New plan' });
  return user;
}

async function choose(user: ReturnType<typeof userEvent.setup>, n: number, ...names: string[]) {
  await user.click(within(tier(n)).getByRole('button', { name: 'Add VMs' }));
  for (const name of names) {
    await user.click(within(tier(n)).getByRole('checkbox', { name: new RegExp(name) }));
  }
  await user.click(within(tier(n)).getByRole('button', { name: 'Done adding' }));
}

describe('the plan editor', () => {
  it('names what is missing by its field and sends nothing', async () => {
    const { sent } = serve();
    const user = await open();
    await user.click(screen.getByRole('button', { name: 'Add tier' }));
    await user.click(within(tier(2)).getByRole('radio', { name: 'A filter' }));
    await user.clear(within(tier(2)).getByRole('textbox', { name: 'Timeout (s)' }));
    await user.type(within(tier(2)).getByRole('textbox', { name: 'Timeout (s)' }), '5');
    await user.click(screen.getByRole('button', { name: 'Create plan' }));

    expect(screen.getByRole('textbox', { name: 'Plan name' }).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Give the plan a name')).toBeTruthy();
    expect(tier(1).textContent).toContain('Choose at least one VM, or use a filter');
    expect(tier(2).textContent).toContain('Type a filter, e.g. db status:stopped');
    expect(within(tier(2)).getByRole('textbox', { name: 'Timeout (s)' }).getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(screen.getByRole('alert').textContent).toBe('Fix the 4 problems marked above');
    expect(saves(sent)).toHaveLength(0);
    // The first problem has the focus.
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Plan name' }));
  });

  it('builds three tiers, reorders them, moves a VM with its list, and sends the plan', async () => {
    const { sent } = serve();
    const user = await open();
    await user.type(screen.getByRole('textbox', { name: 'Plan name' }), 'Site A');
    await user.click(screen.getByRole('radio', { name: 'Start only' }));
    await user.click(screen.getByRole('button', { name: 'Add tier' }));
    await user.click(screen.getByRole('button', { name: 'Add tier' }));
    const name = (n: number) => within(tier(n)).getByRole<HTMLInputElement>('textbox', { name: 'Tier name' });
    await user.clear(name(1));
    await user.type(name(1), 'Web');
    await user.clear(name(2));
    await user.type(name(2), 'Databases');
    await user.clear(name(3));
    await user.type(name(3), 'Domain controllers');
    await choose(user, 1, 'web-1', 'dc-1');
    await choose(user, 2, 'db-1');
    await choose(user, 3, 'dc-2');
    // Tier 3 to the top, in two moves.
    await user.click(screen.getByRole('button', { name: 'Move tier 3 up' }));
    await user.click(screen.getByRole('button', { name: 'Move tier 2 up' }));
    expect([1, 2, 3].map((n) => name(n).value)).toEqual(['Domain controllers', 'Web', 'Databases']);
    // dc-1 went to Web by mistake: its list takes it to Domain controllers.
    await user.selectOptions(
      within(tier(2)).getByRole('combobox', { name: 'Move dc-1 to tier' }),
      '1. Domain controllers',
    );
    expect(chips(1)).toEqual(['dc-2', 'dc-1']);
    expect(chips(2)).toEqual(['web-1']);
    // Choosing a VM another tier has moves it here.
    await user.click(within(tier(3)).getByRole('button', { name: 'Add VMs' }));
    const web1 = within(tier(3)).getByRole('checkbox', { name: /web-1/ });
    expect(web1.closest('label')?.textContent).toContain('in tier 2');
    await user.click(web1);
    expect(chips(2)).toEqual([]);
    expect(chips(3)).toEqual(['db-1', 'web-1']);
    await user.selectOptions(within(tier(3)).getByRole('combobox', { name: 'Move web-1 to tier' }), '2. Web');
    await user.click(
      within(tier(3)).getByRole('checkbox', {
        name: 'Shutting down: force off a VM still running at the timeout',
      }),
    );

    await user.click(screen.getByRole('button', { name: 'Create plan' }));
    await vi.waitFor(() => expect(saves(sent)).toHaveLength(1));
    const body = saves(sent)[0]?.body as PlanBody;
    expect(body).toMatchObject({ name: 'Site A', helpdesk: 'start', parallelism: 4 });
    expect(body.tiers.map((t) => [t.name, t.targets, t.escalate])).toEqual([
      ['Domain controllers', { kind: 'vms', vms: [2, 1] }, false],
      ['Web', { kind: 'vms', vms: [4] }, false],
      ['Databases', { kind: 'vms', vms: [3] }, true],
    ]);
    await vi.waitFor(() => expect(window.location.pathname).toBe('/plans/p9'));
  });

  it('counts the VMs a filter tier matches now, and reads its hint and problem out with the filter', async () => {
    const { sent } = serve();
    const user = await open();
    await user.type(screen.getByRole('textbox', { name: 'Plan name' }), 'Site A');
    await user.click(within(tier(1)).getByRole('radio', { name: 'A filter' }));
    await user.click(screen.getByRole('button', { name: 'Create plan' }));
    const filter = within(tier(1)).getByRole('textbox', { name: 'Filter' });
    expect(filter.getAttribute('aria-invalid')).toBe('true');
    expect(description(filter)).toBe(
      'Name words, status: and node:, as in the fleet view; resolved again at each run. ' +
        'Type a filter, e.g. db status:stopped',
    );
    expect(saves(sent)).toHaveLength(0);

    await user.type(filter, 'd');
    expect(within(tier(1)).getByText(/match(es)? now/).textContent).toBe('3 VMs match now: dc-1, dc-2, db-1');
    await user.type(filter, 'b status:stopped');
    expect(within(tier(1)).getByText(/match(es)? now/).textContent).toBe('1 VM matches now: db-1');
    expect(filter.getAttribute('aria-invalid')).toBeNull();
    expect(description(filter)).toBe(
      'Name words, status: and node:, as in the fleet view; resolved again at each run.',
    );
    await user.click(screen.getByRole('button', { name: 'Create plan' }));
    await vi.waitFor(() => expect(saves(sent)).toHaveLength(1));
    expect((saves(sent)[0]?.body as PlanBody).tiers[0]?.targets).toEqual({
      kind: 'filter',
      filter: 'db status:stopped',
    });
  });

  it("shows the server's refusal in place and keeps what was typed", async () => {
    const { sent } = serve(() =>
      json(
        { error: 'Tiers 1 and 2 are both named "A": each tier needs its own name', code: 'invalid_plan' },
        400,
      ),
    );
    const user = await open();
    await user.type(screen.getByRole('textbox', { name: 'Plan name' }), 'Site A');
    await choose(user, 1, 'dc-1');
    await user.click(screen.getByRole('button', { name: 'Create plan' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Tiers 1 and 2 are both named "A": each tier needs its own name',
    );
    expect(saves(sent)).toHaveLength(1);
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Plan name' }).value).toBe('Site A');
    expect(chips(1)).toEqual(['dc-1']);
  });

  it('drags a VM to the next tier with the keyboard (Space, arrow down, Space)', async () => {
    serve();
    const user = await open();
    await user.click(screen.getByRole('button', { name: 'Add tier' }));
    await choose(user, 1, 'dc-1', 'dc-2');
    // happy-dom lays nothing out: give each tier's drop zone a place, one under the other, and each chip its zone's.
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
      const section = this.closest('section[aria-label^="Tier "]');
      const n = Number(section?.getAttribute('aria-label')?.slice(5) ?? 0);
      const top = n * 300;
      const zone = this.querySelector('ul[aria-label^="VMs of tier"], p') !== null || this.tagName === 'DIV';
      const rect = zone
        ? { top, left: 0, width: 600, height: 200 }
        : { top: top + 10, left: 10, width: 80, height: 20 };
      return {
        ...rect,
        x: rect.left,
        y: rect.top,
        right: rect.left + rect.width,
        bottom: rect.top + rect.height,
        toJSON: () => rect,
      };
    });
    const handle = within(tier(1)).getByRole('button', { name: 'Drag dc-2' });
    handle.focus();
    await user.keyboard(' ');
    await nextTurn();
    await user.keyboard('{ArrowDown}');
    await nextTurn();
    await user.keyboard(' ');
    await vi.waitFor(() => expect(chips(2)).toEqual(['dc-2']));
    expect(chips(1)).toEqual(['dc-1']);
  });
});
