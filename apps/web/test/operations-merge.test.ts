import type { OperationList } from '@powerdeck/contracts/operations';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import {
  OPERATIONS_LIST_KEY,
  operationsQueries,
  writeOperation,
} from '../src/features/operations/api/operations-queries';
import {
  isNewer,
  KEEP_FINISHED,
  mergeLists,
  mergeOperation,
  parseOperation,
  sortOperations,
} from '../src/features/operations/lib/merge';
import { op, opVm } from './operations-fixtures';

const ids = (l: OperationList) => l.operations.map((o) => o.id);

describe('an event merged into the list (newest wins by id)', () => {
  const started = op('a', { vms: [opVm(1), opVm(2)] });
  const oneActive = op('a', { vms: [opVm(1, { state: 'active', stepAt: '2026-01-01T10:00:01Z' }), opVm(2)] });
  const oneDone = op('a', { vms: [opVm(1, { state: 'done' }), opVm(2, { state: 'active' })] });
  const finished = op('a', {
    status: 'finished',
    finishedAt: '2026-01-01T10:01:00Z',
    vms: [opVm(1, { state: 'done' }), opVm(2, { state: 'done' })],
  });

  it('adds an operation it has not seen', () => {
    const l = mergeOperation(undefined, started);
    expect(ids(l)).toEqual(['a']);
    expect(ids(mergeOperation(l, op('b')))).toEqual(['a', 'b']);
  });

  it('replaces the one with the same id by a newer one', () => {
    let l = mergeOperation(undefined, started);
    l = mergeOperation(l, oneActive);
    expect(l.operations[0]).toBe(oneActive);
    l = mergeOperation(l, oneDone);
    expect(l.operations[0]).toBe(oneDone);
    l = mergeOperation(l, finished);
    expect(l.operations).toEqual([finished]);
  });

  it('keeps the newer one when older news arrives late', () => {
    const l = mergeOperation(mergeOperation(undefined, started), finished);
    expect(mergeOperation(l, oneActive)).toBe(l);
    expect(mergeOperation(l, started).operations[0]).toBe(finished);
  });

  it('an equal one replaces (it came later); the very same object changes nothing', () => {
    const l = mergeOperation(undefined, oneActive);
    const same = { ...oneActive, detail: 'x' };
    expect(mergeOperation(l, same).operations[0]).toBe(same);
    expect(mergeOperation(l, oneActive)).toBe(l);
  });

  it('an escalation and a later step count as news', () => {
    const waiting = op('e', { forceAfterS: 5, vms: [opVm(1, { state: 'active', step: 'poweroff' })] });
    const forced = op('e', {
      forceAfterS: 5,
      vms: [opVm(1, { state: 'active', step: 'kill', escalated: true })],
    });
    expect(isNewer(forced, waiting)).toBe(true);
    expect(isNewer(waiting, forced)).toBe(false);
  });

  it('running first (oldest first), then finished ones, most recent first, at most KEEP_FINISHED of them', () => {
    const r1 = op('r1', { createdAt: '2026-01-01T10:05:00Z' });
    const r2 = op('r2', { createdAt: '2026-01-01T10:01:00Z' });
    const f1 = op('f1', { status: 'finished', finishedAt: '2026-01-01T09:00:00Z' });
    const f2 = op('f2', { status: 'cancelled', finishedAt: '2026-01-01T09:30:00Z' });
    expect(sortOperations([f1, r1, f2, r2]).map((o) => o.id)).toEqual(['r2', 'r1', 'f2', 'f1']);
    const many = Array.from({ length: KEEP_FINISHED + 5 }, (_, i) =>
      op(`f${i}`, { status: 'finished', finishedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }),
    );
    const kept = sortOperations(many);
    expect(kept).toHaveLength(KEEP_FINISHED);
    expect(kept[0]?.id).toBe(`f${KEEP_FINISHED + 4}`);
  });

  it('a finished operation moves from the running part to the finished part', () => {
    const other = op('b', { createdAt: '2026-01-01T10:02:00Z' });
    const l = mergeOperation(mergeOperation(undefined, started), other);
    expect(ids(l)).toEqual(['a', 'b']);
    const done = op('b', {
      status: 'finished',
      finishedAt: '2026-01-01T10:03:00Z',
      vms: [opVm(1, { state: 'done' })],
    });
    expect(ids(mergeOperation(l, done))).toEqual(['a', 'b']);
    expect(mergeOperation(l, done).operations[1]?.status).toBe('finished');
    const aDone = { ...finished, finishedAt: '2026-01-01T10:04:00Z' };
    expect(ids(mergeOperation(mergeOperation(l, done), aDone))).toEqual(['a', 'b']);
  });
});

describe('a fetched list merged with the cache', () => {
  it('takes the newer copy of each, the fetched membership, and running ones it did not know yet', () => {
    const cachedNewer = op('a', {
      status: 'finished',
      finishedAt: '2026-01-01T10:01:00Z',
      vms: [opVm(1, { state: 'done' })],
    });
    const fetchedOlder = op('a');
    const gone = op('g', { status: 'finished', finishedAt: '2026-01-01T08:00:00Z' });
    const brandNew = op('n');
    const fetchedB = op('b', { vms: [opVm(1, { state: 'active' })] });
    const cachedB = op('b');
    const merged = mergeLists(
      { operations: [cachedNewer, gone, brandNew, cachedB] },
      { operations: [fetchedOlder, fetchedB] },
    );
    expect(merged.operations.find((o) => o.id === 'a')).toBe(cachedNewer);
    expect(merged.operations.find((o) => o.id === 'b')).toBe(fetchedB);
    expect(ids(merged).sort()).toEqual(['a', 'b', 'n']);
  });

  it('with nothing cached it is the fetched list, sorted', () => {
    const f = op('f', { status: 'finished', finishedAt: '2026-01-01T08:00:00Z' });
    expect(ids(mergeLists(undefined, { operations: [f, op('r')] }))).toEqual(['r', 'f']);
  });
});

describe('event data', () => {
  it('parses an operation and ignores anything else', () => {
    const o = op('a');
    expect(parseOperation(JSON.stringify(o))).toEqual(o);
    expect(parseOperation('not json')).toBeNull();
    expect(parseOperation('{"id":1}')).toBeNull();
    expect(parseOperation('null')).toBeNull();
    expect(parseOperation(JSON.stringify({ ...o, vms: undefined }))).toBeNull();
  });
});

describe('writing news into the query cache', () => {
  it('merges into the list, and into the detail when it is cached', () => {
    const client = new QueryClient();
    const a = op('a');
    const aDone = op('a', {
      status: 'finished',
      finishedAt: '2026-01-01T10:01:00Z',
      vms: [opVm(1, { state: 'done' })],
    });
    writeOperation(client, a);
    expect(client.getQueryData<OperationList>(OPERATIONS_LIST_KEY)?.operations).toEqual([a]);
    client.setQueryData(operationsQueries.detail('a').queryKey, a);
    writeOperation(client, aDone);
    expect(client.getQueryData(operationsQueries.detail('a').queryKey)).toEqual(aDone);
    // older news (a late event) changes neither
    writeOperation(client, a);
    expect(client.getQueryData<OperationList>(OPERATIONS_LIST_KEY)?.operations).toEqual([aDone]);
    expect(client.getQueryData(operationsQueries.detail('a').queryKey)).toEqual(aDone);
    // no detail query is made up for an operation nobody opened
    writeOperation(client, op('b'));
    expect(client.getQueryData(operationsQueries.detail('b').queryKey)).toBeUndefined();
  });
});
