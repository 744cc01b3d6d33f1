import { describe, expect, it } from 'vitest';
import {
  countsWithSkipped,
  groupReport,
  reportSummary,
  settledCount,
  withClientSkipped,
} from '../src/features/operations/lib/report';
import { indexByVm, pickVmOperation } from '../src/features/operations/lib/vm-operation';
import { operationOutcome } from '../src/features/operations/lib/words';
import { op, opVm } from './operations-fixtures';

describe('the per-VM report', () => {
  const vms = [
    opVm(1, { state: 'done', detail: 'Shut down in 12 s' }),
    opVm(2, { state: 'skipped', detail: 'Skipped: already stopped' }),
    opVm(3, { state: 'failed', detail: 'VergeOS refused: busy' }),
    opVm(4, { state: 'done', detail: 'Forced off after 120 s' }),
    opVm(5, { state: 'active' }),
    opVm(6, { state: 'pending' }),
    opVm(7, { state: 'failed', detail: 'Did not stop within 120 s' }),
  ];

  it('groups VMs by state, what needs a person first, each group in the order asked for', () => {
    const groups = groupReport(vms);
    expect(groups.map((g) => [g.label, g.vms.map((v) => v.key)])).toEqual([
      ['Failed', [3, 7]],
      ['In progress', [5]],
      ['Waiting', [6]],
      ['Done', [1, 4]],
      ['Skipped', [2]],
    ]);
  });

  it('leaves empty groups out', () => {
    expect(groupReport([opVm(1, { state: 'done' })]).map((g) => g.state)).toEqual(['done']);
    expect(groupReport([])).toEqual([]);
  });

  it('sums it up in a line', () => {
    const o = op('a', { vms });
    expect(reportSummary(o.counts)).toBe('2 done, 2 failed, 1 skipped, 1 in progress, 1 waiting of 7');
    expect(settledCount(o.counts)).toBe(5);
    expect(reportSummary(op('b', { vms: [opVm(1), opVm(2)] }).counts)).toBe('2 waiting of 2');
    expect(
      reportSummary({ total: 3, pending: 0, active: 0, done: 0, skipped: 0, failed: 0, cancelled: 0 }),
    ).toBe('0 of 3');
  });

  it('adds the VMs the confirmation skipped before sending', () => {
    const o = op('a', { vms: [opVm(1, { state: 'done' })] });
    const rows = withClientSkipped(o.vms, [{ key: 9, name: 'db-01', why: 'already stopped' }]);
    expect(rows.map((r) => [r.key, r.state, r.detail])).toEqual([
      [1, 'done', ''],
      [9, 'skipped', 'Skipped: already stopped'],
    ]);
    const counts = countsWithSkipped(o.counts, 1);
    expect(counts).toMatchObject({ total: 2, done: 1, skipped: 1 });
    expect(reportSummary(counts)).toBe('1 done, 1 skipped of 2');
  });

  it('an operation outcome in a word', () => {
    expect(operationOutcome(op('a'))).toEqual({ label: 'Running', tone: 'moving' });
    expect(operationOutcome(op('a', { status: 'cancelled' })).label).toBe('Cancelled');
    expect(operationOutcome(op('a', { status: 'finished', vms: [opVm(1, { state: 'done' })] })).label).toBe(
      'Done',
    );
    expect(
      operationOutcome(
        op('a', { status: 'finished', vms: [opVm(1, { state: 'failed' }), opVm(2, { state: 'failed' })] }),
      ),
    ).toEqual({ label: '2 failed', tone: 'bad' });
  });
});

describe('which operation a card shows', () => {
  const finishedMine = op('mine', {
    status: 'finished',
    forceAfterS: 120,
    vms: [opVm(1, { state: 'done', detail: 'Forced off after 120 s' })],
  });
  const bulkRunning = op('bulk', { action: 'reboot', vms: [opVm(1, { state: 'active' }), opVm(2)] });
  const bulkDoneFor3 = op('other', { vms: [opVm(3, { state: 'done' }), opVm(4, { state: 'active' })] });

  it('one acting on the VM now, whoever started it', () => {
    const index = indexByVm([bulkRunning, finishedMine]);
    expect(pickVmOperation(index, 1, null)).toMatchObject({ live: true, op: { id: 'bulk' } });
    expect(pickVmOperation(index, 2, null)).toMatchObject({ live: true, vm: { state: 'pending' } });
  });

  it('else the outcome of the one this page started for it, and nothing for anyone else’s finished ones', () => {
    const index = indexByVm([finishedMine, bulkDoneFor3]);
    expect(pickVmOperation(index, 1, 'mine')).toMatchObject({ live: false, op: { id: 'mine' } });
    expect(pickVmOperation(index, 1, null)).toBeNull();
    // a VM already done in a running operation is not live
    expect(pickVmOperation(index, 3, null)).toBeNull();
    expect(pickVmOperation(index, 4, null)).toMatchObject({ live: true });
    expect(pickVmOperation(index, 99, 'mine')).toBeNull();
  });
});
