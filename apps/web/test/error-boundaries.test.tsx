// @vitest-environment happy-dom
// What a person sees when a page throws while drawing: the header and navigation stay, the page area says so with
// `Try again` (which fetches the page's data afresh) and a way back to the fleet, going to another page clears it,
// and the error is logged once. The wall, which nobody touches, shows a dark screen without buttons and tries again
// by itself, with backoff.
import { useQuery } from '@tanstack/react-query';
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Link, Route, Switch } from 'wouter';
import {
  RootErrorBoundary,
  RouteErrorBoundary,
  WALL_RETRY_S,
  WALL_STEADY_MS,
  WallErrorBoundary,
  wallRetryDelayS,
} from '../src/app/error-boundaries';
import { openAt, renderInApp } from './dom';

interface Rows {
  rows: string[] | null;
}

/** A page whose answer may be malformed (`rows: null`): drawing it then throws, as a real page would. */
function RowsPage({ load }: { load: () => Promise<Rows> }) {
  const query = useQuery({ queryKey: ['rows'], queryFn: load });
  if (!query.data) return <p>Loading…</p>;
  // A malformed answer: `rows` is null and this throws a TypeError.
  const rows = query.data.rows as string[];
  return (
    <main aria-label="Rows">
      <ul>
        {rows.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </main>
  );
}

function Shell({ load }: { load: () => Promise<Rows> }) {
  return (
    <>
      <header>
        <h1>Powerdeck</h1>
        <nav aria-label="Main">
          <Link href="/">Fleet</Link>
          <Link href="/rows">Rows</Link>
        </nav>
      </header>
      <RouteErrorBoundary>
        <Switch>
          <Route path="/">
            <main aria-label="Fleet">the fleet</main>
          </Route>
          <Route path="/rows">
            <RowsPage load={load} />
          </Route>
        </Switch>
      </RouteErrorBoundary>
    </>
  );
}

const answers = (...list: Rows[]) => {
  const load = vi.fn<() => Promise<Rows>>();
  for (const a of list) load.mockResolvedValueOnce(a);
  return load;
};

describe('a page that throws while drawing', () => {
  let consoleError: MockInstance<typeof console.error>;
  beforeEach(() => {
    consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => consoleError.mockRestore());

  it('keeps the header and navigation, says what happened and logs it once', async () => {
    openAt('/rows');
    renderInApp(<Shell load={answers({ rows: null })} />);

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('heading', { name: 'This page could not be shown' })).toBeTruthy();
    expect(alert.textContent).toMatch(/Something went wrong while drawing it/);
    expect(alert.textContent).toMatch(/Cannot read properties of null|null is not an object|rows is null/);
    expect(screen.getByRole('heading', { name: 'Powerdeck' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Back to the fleet' }).getAttribute('href')).toBe('/');

    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError.mock.calls[0]?.[0]).toBe('Powerdeck could not draw part of the page:');
    expect(consoleError.mock.calls[0]?.[1]).toBeInstanceOf(TypeError);
  });

  it('Try again fetches the page afresh and draws it', async () => {
    openAt('/rows');
    const load = answers({ rows: null }, { rows: ['web-01', 'web-02'] });
    renderInApp(<Shell load={load} />);
    await screen.findByRole('alert');
    expect(load).toHaveBeenCalledTimes(1);

    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));

    const page = await screen.findByRole('main', { name: 'Rows' });
    expect(
      within(page)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['web-01', 'web-02']);
    expect(load).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows the message again when the page still throws', async () => {
    openAt('/rows');
    const load = answers({ rows: null }, { rows: null });
    renderInApp(<Shell load={load} />);
    await screen.findByRole('alert');

    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));

    await vi.waitFor(() => expect(load).toHaveBeenCalledTimes(2));
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(consoleError).toHaveBeenCalledTimes(2);
  });

  it('clears when the person goes to another page, and the page draws afresh when they come back', async () => {
    openAt('/rows');
    const load = answers({ rows: null }, { rows: ['db-01'] });
    renderInApp(<Shell load={load} />);
    await screen.findByRole('alert');

    await userEvent.click(screen.getByRole('link', { name: 'Fleet' }));
    expect(screen.getByRole('main', { name: 'Fleet' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();

    await userEvent.click(screen.getByRole('link', { name: 'Rows' }));
    expect((await screen.findByRole('listitem')).textContent).toBe('db-01');
  });

  it('Back to the fleet leads to the fleet', async () => {
    openAt('/rows');
    renderInApp(<Shell load={answers({ rows: null })} />);
    await screen.findByRole('alert');

    await userEvent.click(screen.getByRole('link', { name: 'Back to the fleet' }));

    expect(window.location.pathname).toBe('/');
    expect(screen.getByRole('main', { name: 'Fleet' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('on the fleet page itself, Back to the fleet clears it too', async () => {
    openAt('/');
    let broken = true;
    function Fleet() {
      if (broken) throw new Error('the fleet could not be drawn');
      return <main aria-label="Fleet">the fleet</main>;
    }
    renderInApp(
      <RouteErrorBoundary>
        <Fleet />
      </RouteErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toContain('the fleet could not be drawn');

    broken = false;
    await userEvent.click(screen.getByRole('link', { name: 'Back to the fleet' }));

    expect(screen.getByRole('main', { name: 'Fleet' })).toBeTruthy();
  });
});

describe('the root boundary', () => {
  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  function Broken(): never {
    throw new Error('the header could not be drawn');
  }

  it('offers Try again and a link that loads the app afresh at the fleet', () => {
    openAt('/audit');
    renderInApp(
      <RootErrorBoundary>
        <Broken />
      </RootErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toContain('the header could not be drawn');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    const back = screen.getByRole('link', { name: 'Back to the fleet' });
    // A plain link: the page loads again, since the app around the routes is what failed.
    expect(back.tagName).toBe('A');
    expect(back.getAttribute('href')).toBe('/');
  });

  it('on the wall, shows the wall’s screen without buttons', () => {
    openAt('/wall');
    renderInApp(
      <RootErrorBoundary>
        <Broken />
      </RootErrorBoundary>,
    );
    expect(screen.getByRole('main', { name: 'Wall display' })).toBeTruthy();
    expect(screen.getByText('Trying again in 10 s')).toBeTruthy();
    expect(screen.queryAllByRole('button')).toEqual([]);
  });
});

describe('the wall after a render error', () => {
  /** A wall that throws while `broken` says so (checked at each draw). */
  const wall = { broken: true, draws: 0 };
  function Wall() {
    wall.draws += 1;
    if (wall.broken) throw new Error('tiles could not be laid out');
    return <main aria-label="Wall display">412 running</main>;
  }
  const advance = (ms: number) =>
    act(() => {
      vi.advanceTimersByTime(ms);
    });

  beforeEach(() => {
    wall.broken = true;
    wall.draws = 0;
    vi.useFakeTimers();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    openAt('/wall');
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('shows a dark full-screen message without buttons, then tries again by itself', () => {
    renderInApp(
      <WallErrorBoundary>
        <Wall />
      </WallErrorBoundary>,
    );
    const screenMain = screen.getByRole('main', { name: 'Wall display' });
    expect(screenMain.hasAttribute('data-wall')).toBe(true);
    expect(screenMain.className).toMatch(/\bfixed inset-0\b/);
    expect(within(screenMain).getByRole('alert').textContent).toContain('The wall could not be drawn');
    expect(screenMain.textContent).toContain('tiles could not be laid out');
    expect(screen.getByText('Trying again in 10 s')).toBeTruthy();
    expect(screen.queryAllByRole('button')).toEqual([]);

    advance(5_000);
    expect(screen.getByText('Trying again in 5 s')).toBeTruthy();

    wall.broken = false;
    advance(5_000);
    expect(screen.getByRole('main', { name: 'Wall display' }).textContent).toBe('412 running');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('waits longer after each retry that fails, up to 30 s', () => {
    renderInApp(
      <WallErrorBoundary>
        <Wall />
      </WallErrorBoundary>,
    );
    expect(screen.getByText('Trying again in 10 s')).toBeTruthy();
    const drawsBefore = wall.draws;

    advance(9_999);
    expect(wall.draws).toBe(drawsBefore);
    advance(1);
    expect(wall.draws).toBeGreaterThan(drawsBefore);
    expect(screen.getByText('Trying again in 20 s')).toBeTruthy();

    advance(20_000);
    expect(screen.getByText('Trying again in 30 s')).toBeTruthy();
    advance(30_000);
    expect(screen.getByText('Trying again in 30 s')).toBeTruthy();

    wall.broken = false;
    advance(30_000);
    expect(screen.getByRole('main', { name: 'Wall display' }).textContent).toBe('412 running');
  });

  /** The wall fails, fails its first retry and draws at the second; returns what makes it fail once more. */
  function recoverAfterTwoFailures(): () => void {
    const { rerender } = renderInApp(
      <WallErrorBoundary>
        <Wall />
      </WallErrorBoundary>,
    );
    advance(10_000);
    expect(screen.getByText('Trying again in 20 s')).toBeTruthy();
    wall.broken = false;
    advance(20_000);
    expect(screen.queryByRole('alert')).toBeNull();
    return () => {
      wall.broken = true;
      rerender(
        <WallErrorBoundary>
          <Wall key="again" />
        </WallErrorBoundary>,
      );
    };
  }

  it('starts the backoff over once it has stayed up for a minute', () => {
    const failAgain = recoverAfterTwoFailures();
    advance(WALL_STEADY_MS);
    failAgain();
    expect(screen.getByText('Trying again in 10 s')).toBeTruthy();
  });

  it('keeps the backoff when the error comes back within a minute', () => {
    const failAgain = recoverAfterTwoFailures();
    advance(WALL_STEADY_MS - 1_000);
    failAgain();
    expect(screen.getByText('Trying again in 30 s')).toBeTruthy();
  });

  it('waits 10 s, 20 s, then 30 s every time', () => {
    expect([0, 1, 2, 3, 10].map(wallRetryDelayS)).toEqual([10, 20, 30, 30, 30]);
    expect(WALL_RETRY_S[0]).toBe(10);
  });
});
