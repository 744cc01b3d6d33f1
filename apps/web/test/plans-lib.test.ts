// The plans feature's pure parts: plans in words, which buttons each role sees, the editor's draft (its checks
// mirror the server's, its moves), the keyboard's way from tier to tier, and the run ladder's order and clocks.
import { ROLE_PERMISSIONS } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import {
  addTier,
  chooseVms,
  draftFromPlan,
  draftProblems,
  emptyDraft,
  hasProblems,
  moveTier,
  moveVm,
  planBody,
  problemCount,
  removeTier,
  tierOfVm,
  updateTier,
  type PlanDraft,
} from '../src/features/plans/lib/draft';
import { dragWords, nextDropZone } from '../src/features/plans/lib/drag';
import { delayText, ladder, tierElapsedS, vmClock, vmClockText } from '../src/features/plans/lib/ladder';
import {
  dryRunOutcomeWords,
  planButtons,
  planRunTitle,
  planVmsInWords,
  secondsInWords,
  tierSettingsInWords,
} from '../src/features/plans/lib/words';
import { opTier, opVm, plan, planRun, tier } from './plans-fixtures';

describe('a plan in words', () => {
  it('its VMs over the tiers, its settings, its runs', () => {
    expect(planVmsInWords(plan().tiers)).toBe('3 chosen VMs and 1 filter');
    expect(planVmsInWords([tier('A', { targets: { kind: 'filter', filter: 'x' } })])).toBe('1 filter');
    expect(planVmsInWords([tier('A', { targets: { kind: 'vms', vms: [4] } })])).toBe('1 chosen VM');
    expect(secondsInWords(45)).toBe('45 s');
    expect(secondsInWords(180)).toBe('3 min');
    expect(secondsInWords(150)).toBe('2 min 30 s');
    expect(secondsInWords(3600)).toBe('1 h');
    expect(tierSettingsInWords(tier('A', { upWhen: 'agent', delayAfterS: 30 }))).toBe(
      'Up when the guest agent reports · up to 3 min · then waits 30 s · on failure: stop the plan',
    );
    expect(tierSettingsInWords(tier('A', { onFailure: 'continue', escalate: true, timeoutS: 60 }))).toBe(
      'Up when VergeOS says running · up to 1 min · on failure: go on and report · forces off at the timeout when shutting down',
    );
    expect(planRunTitle('Site A', 'start')).toBe('Plan “Site A”: start');
    expect(planRunTitle('Site A', 'shutdown')).toBe('Plan “Site A”: shut down');
    expect(dryRunOutcomeWords('act', 'start').label).toBe('Starts');
    expect(dryRunOutcomeWords('act', 'shutdown').label).toBe('Shuts down');
    expect(dryRunOutcomeWords('already', 'shutdown').label).toBe('Already stopped');
    expect(dryRunOutcomeWords('missing', 'start')).toEqual({ label: 'Not in the fleet', tone: 'bad' });
  });
});

describe("a plan's buttons, by role and the plan's help-desk mark", () => {
  const who = (role: 'admin' | 'helpdesk' | 'viewer') => ({ role, permissions: ROLE_PERMISSIONS[role] });
  it('admins: everything, whatever the mark', () => {
    expect(planButtons({ helpdesk: 'none' }, who('admin'))).toEqual({
      manage: true,
      start: true,
      shutdown: true,
      dryRun: true,
    });
  });
  it('help desk: runs only what the plan says, never edits', () => {
    expect(planButtons({ helpdesk: 'none' }, who('helpdesk'))).toMatchObject({
      manage: false,
      start: false,
      shutdown: false,
    });
    expect(planButtons({ helpdesk: 'start' }, who('helpdesk'))).toMatchObject({
      start: true,
      shutdown: false,
    });
    expect(planButtons({ helpdesk: 'startAndShutdown' }, who('helpdesk'))).toMatchObject({
      manage: false,
      start: true,
      shutdown: true,
    });
  });
  it('viewers: the dry run only', () => {
    expect(planButtons({ helpdesk: 'startAndShutdown' }, who('viewer'))).toEqual({
      manage: false,
      start: false,
      shutdown: false,
      dryRun: true,
    });
  });
});

describe("the editor's draft", () => {
  const ready = (): PlanDraft => {
    const d = emptyDraft();
    return { ...updateTier(d, d.tiers[0]!.id, { vms: [1, 2] }), name: ' Site A ' };
  };

  it('a new plan has one empty tier and wants a name and VMs', () => {
    const d = emptyDraft();
    expect(d.tiers.map((t) => t.name)).toEqual(['Tier 1']);
    const p = draftProblems(d);
    expect(p.name).toBe('Give the plan a name');
    expect(p.tier[d.tiers[0]!.id]).toEqual({ targets: 'Choose at least one VM, or use a filter' });
    expect(problemCount(p)).toBe(2);
    expect(hasProblems(draftProblems(ready()))).toBe(false);
  });

  it("checks each tier by the server's rules", () => {
    let d = addTier(ready());
    const second = d.tiers[1]!.id;
    d = updateTier(d, second, { name: ' tier 1 ', targetKind: 'filter', filter: 'status:nonsense' });
    const p = draftProblems(d);
    expect(p.tier[second]).toEqual({
      name: 'Tier 1 has this name already',
      targets: 'This filter restricts nothing: name words, status:<status> or node:<name>',
    });
    d = updateTier(d, second, { name: 'Web', filter: 'web', timeout: '5', delay: 'soon' });
    expect(draftProblems(d).tier[second]).toEqual({
      timeout: 'Between 10 and 3600 seconds',
      delay: 'Between 0 and 3600 seconds',
    });
    expect(draftProblems({ ...d, parallelism: '17' }).parallelism).toBe('Between 1 and 16 VMs');
    d = updateTier(d, second, { name: ' ', timeout: '', delay: '' });
    expect(draftProblems(d).tier[second]).toEqual({ name: 'Give the tier a name' });
  });

  it('the body to save: trimmed, with the defaults for what was left empty', () => {
    let d = addTier(ready());
    d = updateTier(d, d.tiers[1]!.id, {
      name: ' Web ',
      targetKind: 'filter',
      filter: ' web ',
      timeout: '',
      delay: '30',
      onFailure: 'continue',
      escalate: true,
      upWhen: 'agent',
    });
    expect(planBody({ ...d, helpdesk: 'start', parallelism: '' })).toEqual({
      name: 'Site A',
      helpdesk: 'start',
      parallelism: 4,
      tiers: [
        {
          name: 'Tier 1',
          targets: { kind: 'vms', vms: [1, 2] },
          upWhen: 'running',
          timeoutS: 180,
          delayAfterS: 0,
          onFailure: 'stop',
          escalate: false,
        },
        {
          name: 'Web',
          targets: { kind: 'filter', filter: 'web' },
          upWhen: 'agent',
          timeoutS: 180,
          delayAfterS: 30,
          onFailure: 'continue',
          escalate: true,
        },
      ],
    });
  });

  it('a saved plan comes back into the editor as it was', () => {
    const p = plan();
    const body = planBody(draftFromPlan(p));
    expect(body).toEqual({ name: p.name, helpdesk: p.helpdesk, parallelism: p.parallelism, tiers: p.tiers });
  });

  it('tiers are added, moved and removed (never the last one)', () => {
    let d = addTier(addTier(ready()));
    expect(d.tiers.map((t) => t.name)).toEqual(['Tier 1', 'Tier 2', 'Tier 3']);
    const [a, b, c] = d.tiers.map((t) => t.id);
    d = moveTier(d, c!, -1);
    expect(d.tiers.map((t) => t.id)).toEqual([a, c, b]);
    expect(moveTier(d, a!, -1)).toBe(d);
    expect(moveTier(d, b!, 1)).toBe(d);
    d = removeTier(removeTier(d, a!), c!);
    expect(d.tiers.map((t) => t.id)).toEqual([b]);
    expect(removeTier(d, b!)).toBe(d);
  });

  it('a VM is in one tier: moving or choosing it elsewhere takes it out of the other', () => {
    let d = addTier(addTier(ready()));
    const [a, b, c] = d.tiers.map((t) => t.id);
    d = moveVm(d, 2, b!);
    expect(d.tiers.map((t) => t.vms)).toEqual([[1], [2], []]);
    d = chooseVms(d, c!, [1, 5]);
    expect(d.tiers.map((t) => t.vms)).toEqual([[], [2], [1, 5]]);
    expect(tierOfVm(d)).toEqual(
      new Map([
        [2, 1],
        [1, 2],
        [5, 2],
      ]),
    );
    // Not to a tier that takes a filter.
    const filtered = updateTier(d, a!, { targetKind: 'filter', filter: 'web' });
    expect(moveVm(filtered, 2, a!)).toBe(filtered);
  });
});

describe('the keyboard goes from tier to tier', () => {
  const zones = ['t1', 't2', 't3'];
  it('one tier per arrow key, stopping at the ends', () => {
    expect(nextDropZone(zones, 't1', 'ArrowDown')).toBe('t2');
    expect(nextDropZone(zones, 't2', 'ArrowRight')).toBe('t3');
    expect(nextDropZone(zones, 't3', 'ArrowDown')).toBeNull();
    expect(nextDropZone(zones, 't2', 'ArrowUp')).toBe('t1');
    expect(nextDropZone(zones, 't1', 'ArrowLeft')).toBeNull();
    expect(nextDropZone(zones, null, 'ArrowDown')).toBe('t1');
    expect(nextDropZone(zones, 't1', 'KeyA')).toBeNull();
  });
  it('and says where the VM is', () => {
    const w = dragWords({ vm: 'db-1', from: 'tier 1, Databases', over: 'tier 2, Web' });
    expect(w.over).toBe('db-1 is over tier 2, Web.');
    expect(w.end).toBe('db-1 moved to tier 2, Web.');
    expect(dragWords({ vm: 'db-1', from: 'tier 1, Databases', over: 'tier 1, Databases' }).end).toBe(
      'db-1 stays in tier 1, Databases.',
    );
  });
});

describe('the run ladder', () => {
  const tiers = [opTier(0, 'DCs'), opTier(1, 'DBs'), opTier(2, 'Web')];
  const vms = [
    opVm(1, { tier: 0, state: 'done' }),
    opVm(2, { tier: 1 }),
    opVm(3, { tier: 2 }),
    opVm(4, { tier: 0 }),
  ];

  it('takes the tiers in run order: plan order to start, reverse to shut down', () => {
    const start = ladder(planRun(tiers, vms));
    expect(start.map((r) => [r.step, r.tier.name, r.vms.map((v) => v.key), r.settled])).toEqual([
      [1, 'DCs', [1, 4], 1],
      [2, 'DBs', [2], 0],
      [3, 'Web', [3], 0],
    ]);
    const shut = ladder(planRun(tiers, vms, { direction: 'shutdown' }));
    expect(shut.map((r) => r.tier.name)).toEqual(['Web', 'DBs', 'DCs']);
    expect(ladder({ plan: null, vms })).toEqual([]);
  });

  it("counts a VM's time against its tier's timeout, the tier's time and the delay", () => {
    const t0 = Date.parse('2030-01-01T10:00:00Z');
    const active = opVm(2, { tier: 1, state: 'active', stepAt: '2030-01-01T10:00:00Z' });
    const c = vmClock(active, { timeoutS: 180 }, t0 + 42_000);
    expect(c && vmClockText(c)).toBe('0:42 of 3:00');
    expect(vmClock(active, { timeoutS: 30 }, t0 + 42_000)?.over).toBe(true);
    expect(vmClock({ ...active, state: 'done' }, { timeoutS: 180 }, t0)).toBeNull();
    expect(vmClock({ ...active, stepAt: null }, { timeoutS: 180 }, t0)).toBeNull();
    expect(tierElapsedS({ startedAt: '2030-01-01T10:00:00Z', endedAt: null }, t0 + 65_000)).toBe(65);
    expect(
      tierElapsedS({ startedAt: '2030-01-01T10:00:00Z', endedAt: '2030-01-01T10:01:00Z' }, t0 + 999_000),
    ).toBe(60);
    expect(tierElapsedS({ startedAt: null, endedAt: null }, t0)).toBeNull();
    const delay = { state: 'delay' as const, nextAt: '2030-01-01T10:00:30Z' };
    expect(delayText(delay, t0 + 4_500)).toBe('Next tier in 0:26');
    expect(delayText(delay, t0 + 31_000)).toBe('Next tier now');
    expect(delayText({ ...delay, state: 'done' }, t0)).toBeNull();
  });
});
