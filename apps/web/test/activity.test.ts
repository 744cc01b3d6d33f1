import { PASSIVE_HEADER } from '@powerdeck/contracts/roles';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AWAY_AFTER_MS, noteInput, passiveHeaders, trackInput } from '../src/lib/activity';
import { getJson } from '../src/lib/api-client';

afterEach(() => {
  vi.unstubAllGlobals();
  noteInput();
});

describe('requests made while the person is away', () => {
  it('are marked passive a minute after the last input, and not before', () => {
    noteInput(1_000_000);
    expect(passiveHeaders(1_000_000 + AWAY_AFTER_MS - 1)).toEqual({});
    expect(passiveHeaders(1_000_000 + AWAY_AFTER_MS)).toEqual({ [PASSIVE_HEADER]: '1' });
    noteInput(1_000_000 + AWAY_AFTER_MS + 5);
    expect(passiveHeaders(1_000_000 + AWAY_AFTER_MS + 10)).toEqual({});
  });

  it('counts keys, pointers, wheels, touches and focus as input', () => {
    const target = new EventTarget();
    const stop = trackInput(target);
    for (const type of ['keydown', 'pointerdown', 'wheel', 'touchstart', 'focus']) {
      noteInput(0);
      expect(passiveHeaders(AWAY_AFTER_MS)).toEqual({ [PASSIVE_HEADER]: '1' });
      target.dispatchEvent(new Event(type));
      expect(passiveHeaders(), type).toEqual({});
    }
    stop();
    noteInput(0);
    target.dispatchEvent(new Event('keydown'));
    expect(passiveHeaders(AWAY_AFTER_MS)).toEqual({ [PASSIVE_HEADER]: '1' });
  });

  it('getJson sends the header only while the person is away', async () => {
    const seen: Headers[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((_path: string, init: RequestInit) => {
        seen.push(new Headers(init.headers));
        return Promise.resolve(new Response('{}', { status: 200 }));
      }),
    );
    noteInput();
    await getJson('/api/session');
    noteInput(Date.now() - AWAY_AFTER_MS - 1);
    await getJson('/api/session');
    expect(seen.map((h) => h.get(PASSIVE_HEADER))).toEqual([null, '1']);
  });
});
