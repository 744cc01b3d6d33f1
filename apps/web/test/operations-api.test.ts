import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cancelOperation,
  createOperation,
  forceOperationVm,
} from '../src/features/operations/api/operation-mutations';
import { operationsQueries } from '../src/features/operations/api/operations-queries';
import { operationErrorText } from '../src/features/operations/lib/errors';
import { ApiError, NetworkError } from '../src/lib/api-client';
import { op } from './operations-fixtures';

function stubFetch(impl: (url: string, init: RequestInit) => Promise<Response>) {
  const fn = vi.fn(impl);
  vi.stubGlobal('fetch', fn);
  return fn;
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('the operations API', () => {
  it('creates an operation: one POST with the body as JSON and the CSRF header', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(201, op('a'))));
    const created = await createOperation({
      action: 'shutdown',
      vms: [3],
      forceAfterS: 120,
      reason: 'ticket 7',
    });
    expect(created.id).toBe('a');
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/operations');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ [CSRF_HEADER]: '1', 'content-type': 'application/json' });
    expect(JSON.parse(init.body as string)).toEqual({
      action: 'shutdown',
      vms: [3],
      forceAfterS: 120,
      reason: 'ticket 7',
    });
  });

  it('cancels and forces with a POST to their routes, ids encoded', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(200, op('a b'))));
    await cancelOperation('a b');
    await forceOperationVm('a b', 42);
    expect(
      fetch.mock.calls.map(([u, i]) => [u, i.method, (i.headers as Record<string, string>)[CSRF_HEADER]]),
    ).toEqual([
      ['/api/operations/a%20b/cancel', 'POST', '1'],
      ['/api/operations/a%20b/vms/42/force', 'POST', '1'],
    ]);
  });

  it('reads the list and one operation', async () => {
    const fetch = stubFetch(() => Promise.resolve(json(200, { operations: [] })));
    const { QueryClient } = await import('@tanstack/react-query');
    const client = new QueryClient();
    await client.fetchQuery(operationsQueries.list());
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/operations');
    expect(operationsQueries.detail('x').queryKey).toEqual(['operations', 'detail', 'x']);
  });

  it('a refusal keeps its status and code', async () => {
    stubFetch(() =>
      Promise.resolve(json(400, { err: 'Give a reason', error: 'Give a reason', code: 'reason_required' })),
    );
    await expect(createOperation({ action: 'reboot', vms: [1] })).rejects.toMatchObject({
      status: 400,
      code: 'reason_required',
    });
  });
});

describe('operation errors in words', () => {
  it('says what could not be done and why', () => {
    expect(
      operationErrorText(new ApiError(403, 'Your role (helpdesk) may not force off VMs'), 'force it off now'),
    ).toBe('Could not force it off now: Your role (helpdesk) may not force off VMs');
    expect(operationErrorText(new ApiError(409, 'Operation finished'), 'cancel the operation')).toBe(
      'Could not cancel the operation: Operation finished (it has already finished).',
    );
    expect(operationErrorText(new NetworkError('offline'), 'shut down web-01')).toMatch(
      /^Could not shut down web-01: no answer from Powerdeck \(offline\)/,
    );
  });
});
