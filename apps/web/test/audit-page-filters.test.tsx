// @vitest-environment happy-dom
// The audit log's filters, as an admin uses them: each change goes into the address (replacing it, so a search can
// be bookmarked and shared) and into the list's request to the BFF, and the list shows what that request answers;
// text fields apply after a pause or on Enter; a VM that is not a key is pointed out and not sent; an address with
// filters opens with them filled in; Clear filters empties them all.
import type { AuditPage, AuditRow } from '@powerdeck/contracts/audit';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { AuditPage as AuditLogPage } from '../src/features/audit/components/audit-page';
import { json, openAt, renderInApp } from './dom';

function row(id: number, patch: Partial<AuditRow> = {}): AuditRow {
  return {
    id,
    at: '2026-01-02T03:04:05.000Z',
    kind: 'power',
    outcome: 'accepted',
    actor: 'alice',
    role: 'admin',
    authKind: 'session',
    source: '127.0.0.1',
    userAgent: null,
    vmKey: 42,
    vmName: 'web-01',
    action: 'poweroff',
    params: null,
    reason: null,
    target: null,
    requestId: null,
    operationId: null,
    refId: null,
    vergeosStatus: 200,
    vergeosMessage: null,
    latencyMs: 12,
    hash: 'h',
    ...patch,
  };
}

let fetchMock: Mock<typeof fetch>;
/** The BFF: every audit page asked for answers with the rows `answer` gives for its query string. */
let answer: (query: URLSearchParams) => AuditRow[];

beforeEach(() => {
  answer = () => [row(1)];
  fetchMock = vi.fn<typeof fetch>((input) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      'http://x',
    );
    const page: AuditPage = { rows: answer(url.searchParams), next: null };
    return Promise.resolve(json(page));
  });
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

/** The query strings of the list's requests, in order (the page size left out). */
function requests(): string[] {
  return fetchMock.mock.calls.map(([input]) => {
    const url = new URL(typeof input === 'string' ? input : '', 'http://x');
    expect(url.pathname).toBe('/api/audit');
    url.searchParams.delete('limit');
    return url.searchParams.toString();
  });
}
const lastRequest = () => requests().at(-1);
const address = () => `${window.location.pathname}${window.location.search}`;

async function openLog(url = '/audit') {
  openAt(url);
  const user = userEvent.setup();
  renderInApp(<AuditLogPage />);
  const form = screen.getByRole('search', { name: 'Filter the audit log' });
  await screen.findByRole('table', { name: 'Audit records' });
  return { user, form };
}

/** The actors of the rows shown. */
function shownActors(): string[] {
  const table = screen.getByRole('table', { name: 'Audit records' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((tr) => within(tr).getAllByRole('cell')[1]?.firstChild?.textContent ?? '');
}

describe('the audit log’s filters', () => {
  it('a choice goes into the address and the list’s request, and the list shows its answer', async () => {
    answer = (q) =>
      q.get('outcome') === 'denied' ? [row(7, { actor: 'mallory', outcome: 'denied' })] : [row(1)];
    const { user, form } = await openLog();
    expect(requests()).toEqual(['']);
    expect(shownActors()).toEqual(['alice']);
    const historyLength = window.history.length;

    await user.selectOptions(within(form).getByRole('combobox', { name: 'Outcome' }), 'Denied');

    expect(address()).toBe('/audit?outcome=denied');
    await vi.waitFor(() => expect(shownActors()).toEqual(['mallory']));
    expect(lastRequest()).toBe('outcome=denied');
    // Narrowing a search replaces the address: Back leaves the log rather than undoing a filter.
    expect(window.history.length).toBe(historyLength);
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe(
      '/api/audit.csv?outcome=denied',
    );
  });

  it('adds up the filters, with the API’s own names and values', async () => {
    const { user, form } = await openLog();
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Action' }), 'Force off (kill)');
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Kind' }), 'Power action');

    expect(address()).toBe('/audit?action=kill&kind=power');
    await vi.waitFor(() => expect(lastRequest()).toBe('action=kill&kind=power'));

    await user.selectOptions(within(form).getByRole('combobox', { name: 'Action' }), 'Any');
    expect(address()).toBe('/audit?kind=power');
    await vi.waitFor(() => expect(lastRequest()).toBe('kind=power'));
  });

  it('applies a user name after a pause, with one request for the whole name', async () => {
    const { user, form } = await openLog();
    await user.type(within(form).getByRole('textbox', { name: 'User' }), 'alice');
    expect(address()).toBe('/audit');

    await vi.waitFor(() => expect(address()).toBe('/audit?actor=alice'));
    await vi.waitFor(() => expect(lastRequest()).toBe('actor=alice'));
    expect(requests()).toEqual(['', 'actor=alice']);
  });

  it('applies a VM key on Enter, and points out one that is not a key without sending it', async () => {
    const { user, form } = await openLog();
    const vmField = within(form).getByRole('textbox', { name: 'VM' });

    await user.type(vmField, 'web{Enter}');
    expect(vmField.getAttribute('aria-invalid')).toBe('true');
    expect(form.textContent).toContain('A VM is filtered by its key, a whole number');
    expect(address()).toBe('/audit');

    await user.clear(vmField);
    await user.type(vmField, '42{Enter}');
    expect(address()).toBe('/audit?vm=42');
    expect(vmField.hasAttribute('aria-invalid')).toBe(false);
    await vi.waitFor(() => expect(lastRequest()).toBe('vm=42'));
    expect(requests().some((q) => q.includes('web'))).toBe(false);
  });

  it('sends a time range as ISO times (UTC)', async () => {
    const { form } = await openLog();
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-01-02T03:04' } });
    const from = new Date(2026, 0, 2, 3, 4).toISOString();

    await vi.waitFor(() => expect(new URLSearchParams(window.location.search).get('from')).toBe(from));
    await vi.waitFor(() => expect(lastRequest()).toBe(new URLSearchParams({ from }).toString()));
  });

  it('opens with the address’s filters filled in and asked for', async () => {
    const { form } = await openLog('/audit?actor=carol&kind=power&outcome=bogus');
    expect(within(form).getByRole('textbox', { name: 'User' })).toHaveProperty('value', 'carol');
    expect(within(form).getByRole('combobox', { name: 'Kind' })).toHaveProperty('value', 'power');
    // A value the BFF would refuse is dropped.
    expect(within(form).getByRole('combobox', { name: 'Outcome' })).toHaveProperty('value', '');
    expect(requests()).toEqual(['actor=carol&kind=power']);
  });

  it('Clear filters empties every field and asks for the whole log', async () => {
    answer = (q) => (q.get('actor') === 'carol' ? [] : [row(1)]);
    openAt('/audit?actor=carol&kind=power');
    const user = userEvent.setup();
    renderInApp(<AuditLogPage />);
    const form = screen.getByRole('search', { name: 'Filter the audit log' });
    expect(await screen.findByText('No records match these filters')).toBeTruthy();

    await user.click(within(form).getByRole('button', { name: 'Clear filters' }));

    expect(address()).toBe('/audit');
    expect(within(form).getByRole('textbox', { name: 'User' })).toHaveProperty('value', '');
    expect(within(form).getByRole('combobox', { name: 'Kind' })).toHaveProperty('value', '');
    expect(within(form).queryByRole('button', { name: 'Clear filters' })).toBeNull();
    await vi.waitFor(() => expect(shownActors()).toEqual(['alice']));
    expect(lastRequest()).toBe('');
  });
});
