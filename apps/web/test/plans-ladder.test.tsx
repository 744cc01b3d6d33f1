// @vitest-environment happy-dom
// The run view as a person watches it: the tiers in run order as rungs, each in its state's words; a VM being started
// with its time against the tier's timeout; the countdown before the next tier; the reverse order of a shut down;
// "Cancel run" only for who may cancel, and a refusal in place.
import { TIER_STATE_WORDS, TIER_STATES } from '@powerdeck/contracts/plan-terms';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PlanRunView, type PlanRunViewProps } from '../src/features/plans/components/plan-run-view';
import { renderInApp } from './dom';
import { opTier, opVm, planRun } from './plans-fixtures';

const NOW = Date.parse('2030-01-01T10:05:00Z');
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

function show(props: Partial<PlanRunViewProps> & Pick<PlanRunViewProps, 'op'>) {
  return renderInApp(
    <PlanRunView
      planId="p1"
      error={null}
      onRetry={() => undefined}
      canCancel={false}
      onCancel={() => undefined}
      cancelling={false}
      cancelError={null}
      {...props}
    />,
  );
}

const rungs = () =>
  within(screen.getByRole('list', { name: 'Tiers in run order' }))
    .getAllByRole('listitem')
    .filter((li) => li.hasAttribute('aria-labelledby'));

describe('the run ladder', () => {
  it.each(TIER_STATES)('shows a tier %s in its words', (state) => {
    show({ op: planRun([opTier(0, 'Domain controllers', { state, detail: `detail of ${state}` })], []) });
    const [rung] = rungs();
    expect(rung?.textContent).toContain(TIER_STATE_WORDS[state]);
    expect(rung?.textContent).toContain(`detail of ${state}`);
  });

  it("follows a start: a VM's time against its timeout, the delay before the next tier", () => {
    const op = planRun(
      [
        opTier(0, 'Domain controllers', {
          state: 'delay',
          startedAt: at(120),
          endedAt: at(30),
          nextAt: new Date(NOW + 25_000).toISOString(),
          delayAfterS: 60,
          detail: '2 of 2 up',
        }),
        opTier(1, 'Databases', { state: 'waiting', timeoutS: 60 }),
      ],
      [
        opVm(1, { name: 'dc-1', tier: 0, state: 'done', detail: 'Up after 40 s' }),
        opVm(2, { name: 'dc-2', tier: 0, state: 'done', detail: 'Up after 55 s' }),
        opVm(3, { name: 'db-1', tier: 1, state: 'pending', status: 'stopped' }),
      ],
    );
    show({ op });
    expect(screen.getByRole('heading', { name: 'Plan “Site A”: start' })).toBeTruthy();
    const [dcs, dbs] = rungs();
    expect(within(dcs!).getByRole('heading').textContent).toBe('Tier 1 · Domain controllers');
    expect(within(dcs!).getByRole('timer', { name: 'Next tier in 0:25' }).textContent).toBe(
      'Next tier in 0:25',
    );
    expect(dcs!.textContent).toContain('took 1 min 30 s');
    expect(dcs!.textContent).toContain('Up after 40 s');
    expect(within(dbs!).getByText('Waiting for its tier')).toBeTruthy();
    expect(within(dbs!).getByText('Stopped')).toBeTruthy();
  });

  it('marks a VM past its timeout, and a failed tier that stopped the plan', () => {
    const op = planRun(
      [
        opTier(0, 'Domain controllers', {
          state: 'failed',
          detail: 'dc-2 failed: VergeOS refused. The plan stopped',
        }),
        opTier(1, 'Databases', { state: 'notRun' }),
      ],
      [
        opVm(1, {
          name: 'dc-1',
          tier: 0,
          state: 'active',
          step: 'poweron',
          stepAt: at(200),
          status: 'starting',
        }),
        opVm(2, { name: 'dc-2', tier: 0, state: 'failed', detail: 'VergeOS refused: no room' }),
        opVm(3, { name: 'db-1', tier: 1, state: 'cancelled', detail: 'Not sent: the plan stopped' }),
      ],
      { status: 'finished' },
    );
    show({ op });
    const [dcs, dbs] = rungs();
    const timer = within(dcs!).getByRole('timer', { name: 'dc-1: 3:20 elapsed of 3:00' });
    expect(timer.textContent).toBe('3:20 of 3:00');
    expect(timer.className).toContain('text-bad');
    expect(dcs!.textContent).toContain('Failed: plan stopped');
    expect(dcs!.textContent).toContain('VergeOS refused: no room');
    expect(dbs!.textContent).toContain('Not run');
    expect(screen.getByRole('progressbar', { name: 'Run progress' }).getAttribute('aria-valuetext')).toBe(
      '2 of 3 VMs',
    );
  });

  it('takes a shut down from the last tier to the first', () => {
    const op = planRun(
      [opTier(0, 'Domain controllers'), opTier(1, 'Databases'), opTier(2, 'Web', { state: 'active' })],
      [],
      { direction: 'shutdown' },
    );
    show({ op });
    expect(screen.getByRole('heading', { name: 'Plan “Site A”: shut down' })).toBeTruthy();
    expect(rungs().map((r) => within(r).getByRole('heading').textContent)).toEqual([
      'Tier 3 · Web',
      'Tier 2 · Databases',
      'Tier 1 · Domain controllers',
    ]);
  });

  it('offers "Cancel run" only to who may cancel, and shows a refusal in place', async () => {
    const op = planRun([opTier(0, 'Domain controllers', { state: 'active' })], []);
    const { unmount } = show({ op });
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
    unmount();
    const onCancel = vi.fn();
    show({ op, canCancel: true, onCancel, cancelError: 'Could not cancel the run: it has already finished' });
    await userEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    expect(onCancel).toHaveBeenCalledOnce();
    expect(screen.getByRole('alert').textContent).toBe('Could not cancel the run: it has already finished');
  });
});
