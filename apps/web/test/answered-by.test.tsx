// @vitest-environment happy-dom
// Several servers behind a balancer: the header says which one answered the last fleet read, on hover (support), and
// a 304 from another server leaves the fleet object as it was (the fleet view does not draw again for it).
import type { FleetSnapshot } from '@powerdeck/contracts/fleet';
import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchSnapshot, type FleetData } from '../src/features/fleet/api/fetch-snapshot';
import { UpdatedStatus } from '../src/features/fleet/components/updated-status';

const body: FleetSnapshot = {
  fetchedAt: '2026-11-29T09:58:36.000Z',
  stale: false,
  staleReason: null,
  staleSince: null,
  pollIntervalMs: 5000,
  normalIntervalMs: 5000,
  vms: [],
  nodes: [],
};

afterEach(() => {
  vi.unstubAllGlobals();
});

const title = () => screen.getByRole('status').querySelector('time')?.getAttribute('title');

describe('which server answered', () => {
  it('shows it on hover in the header, and a 304 from another server keeps the same fleet object', async () => {
    const fetchMock = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(
        new Response(JSON.stringify(body), {
          status: 200,
          headers: { etag: '"v1"', 'x-powerdeck-server': 'pd-1' },
        }),
      )
      .mockResolvedValueOnce(
        new Response(null, { status: 304, headers: { etag: '"v1"', 'x-powerdeck-server': 'pd-2' } }),
      );
    vi.stubGlobal('fetch', fetchMock);

    const first = await fetchSnapshot(new AbortController().signal, undefined, () => 1000);
    const view = render(<UpdatedStatus asOf={1000} stale={false} />);
    expect(title()).toMatch(/ · answered by pd-1$/);
    let second: FleetData | undefined;
    await act(async () => {
      second = await fetchSnapshot(new AbortController().signal, first, () => 1000);
    });
    expect(second).toBe(first);
    expect(title()).toMatch(/ · answered by pd-2$/);
    view.unmount();
  });
});
