// Reading the audit log over HTTP: the real app on real SQLite, a real simulator upstream, records
// made by people acting through the app (power actions, sign-ins, account changes). Filters are checked
// against the whole log, so a filter that did nothing would fail; the CSV is parsed back.
import type { AuditPage, AuditRow, VmActivity } from '@powerdeck/contracts/audit';
import { CSRF_HEADER, REASON_HEADER } from '@powerdeck/contracts/roles';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS } from '../src/stores/audit-csv';
import type { AuditInput } from '../src/stores/types';
import {
  buildTestApp,
  openTestStores,
  signIn,
  startSim,
  tokenHeaders,
  upstreamFor,
  type AuthHeaders,
  type TestApp,
} from './support';

let sim: Simulator;
let app: TestApp;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  app = await buildTestApp(upstreamFor(sim));
});
afterEach(async () => {
  await app.close();
});

function get(headers: AuthHeaders, url: string) {
  return app.inject({ method: 'GET', url, headers });
}

/** A power action as a browser sends it (VM 42 "test" starts out stopped). */
async function act(headers: AuthHeaders, vm: number, action: string, reason?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v4/vm_actions',
    headers: { ...headers, ...(reason !== undefined ? { [REASON_HEADER]: encodeURIComponent(reason) } : {}) },
    payload: { vm, action },
  });
}

async function page(url: string): Promise<AuditPage> {
  const res = await get(app.adminHeaders, url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<AuditPage>();
}

/** The whole log, newest first, as the API gives it. */
async function everything(): Promise<AuditRow[]> {
  const p = await page('/api/audit?limit=1000');
  expect(p.next).toBeNull();
  return p.rows;
}

/** A varied log: power actions accepted, in conflict and denied, on two VMs; sign-ins; a user change. */
async function makeHistory() {
  const helpdesk = await signIn(app, 'helpdesk');
  const viewer = await signIn(app, 'viewer');
  expect((await act(app.adminHeaders, 42, 'kill')).statusCode).toBe(409);
  expect((await act(app.adminHeaders, 42, 'poweron')).statusCode).toBe(201);
  expect((await act(viewer, 1, 'poweron')).statusCode).toBe(403);
  expect((await act(helpdesk, 42, 'poweroff')).statusCode).toBe(400);
  expect((await act(helpdesk, 1, 'reset', 'hung, says the caller')).statusCode).toBe(403);
  const user = await app.inject({
    method: 'POST',
    url: '/api/users',
    headers: app.adminHeaders,
    payload: { username: 'newbie', role: 'viewer', password: 'long enough password' },
  });
  expect(user.statusCode).toBe(201);
  const failed = await app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { [CSRF_HEADER]: '1' },
    payload: { username: 'viewer', password: 'wrong password!' },
  });
  expect(failed.statusCode).toBe(401);
  return { helpdesk, viewer };
}

/** RFC 4180: fields split by commas, quoted fields may hold commas, "" and line breaks; CRLF ends a record. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(record).toEqual([]);
  return records;
}

describe('who may read the audit log', () => {
  it.each(['viewer', 'helpdesk'] as const)(
    'refuses a %s the log and the CSV with 403, audited',
    async (role) => {
      const headers = await signIn(app, role);
      for (const url of ['/api/audit', '/api/audit.csv?kind=power']) {
        const res = await get(headers, url);
        expect(res.statusCode, url).toBe(403);
        expect(res.json<{ err: string }>().err).toBe(
          `Your role (${role}) may not read the audit log: that needs admin`,
        );
        const [row] = (await app.testStores.audit.query({ kind: 'access', limit: 1 })).rows;
        expect(row).toMatchObject({
          actor: role,
          outcome: 'denied',
          target: 'audit:read',
          action: `GET ${url.split('?')[0]}`,
        });
      }
    },
  );

  it("lets an admin's token read it (scripts may export the log), and nobody signed in may not", async () => {
    const token = await tokenHeaders(app.testStores, 'admin');
    expect((await get(token, '/api/audit')).statusCode).toBe(200);
    expect((await get(token, '/api/audit.csv')).statusCode).toBe(200);
    expect((await get({}, '/api/audit')).statusCode).toBe(401);
    expect((await get({}, '/api/vms/42/activity')).statusCode).toBe(401);
  });
});

describe('GET /api/audit', () => {
  it('answers rows newest first with the contract fields only', async () => {
    await makeHistory();
    const rows = await everything();
    expect(rows.length).toBeGreaterThan(10);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(Object.keys(rows[0]!).sort()).toEqual(
      [
        'action',
        'actor',
        'at',
        'authKind',
        'hash',
        'id',
        'kind',
        'latencyMs',
        'operationId',
        'outcome',
        'params',
        'reason',
        'refId',
        'requestId',
        'role',
        'scheduleId',
        'scheduleName',
        'source',
        'target',
        'userAgent',
        'vergeosMessage',
        'vergeosStatus',
        'vmKey',
        'vmName',
      ].sort(),
    );
    expect(JSON.stringify(rows)).not.toContain('prevHash');
  });

  it('filters by VM, actor, action, outcome and kind, alone and together', async () => {
    await makeHistory();
    const all = await everything();
    const cases: [string, (r: AuditRow) => boolean][] = [
      ['vm=42', (r) => r.vmKey === 42],
      ['vm=1', (r) => r.vmKey === 1],
      ['actor=helpdesk', (r) => r.actor === 'helpdesk'],
      ['action=poweron', (r) => r.action === 'poweron'],
      ['outcome=denied', (r) => r.outcome === 'denied'],
      ['outcome=conflict', (r) => r.outcome === 'conflict'],
      ['kind=user', (r) => r.kind === 'user'],
      ['kind=signin_failed', (r) => r.kind === 'signin_failed'],
      ['vm=42&outcome=requested', (r) => r.vmKey === 42 && r.outcome === 'requested'],
      [
        'actor=admin&kind=power&action=kill',
        (r) => r.actor === 'admin' && r.kind === 'power' && r.action === 'kill',
      ],
    ];
    for (const [query, match] of cases) {
      const expected = all.filter(match);
      // Each filter must keep some rows and drop others, or this test would prove nothing.
      expect(expected.length, query).toBeGreaterThan(0);
      expect(expected.length, query).toBeLessThan(all.length);
      const got = await page(`/api/audit?${query}`);
      expect(
        got.rows.map((r) => r.id),
        query,
      ).toEqual(expected.map((r) => r.id));
      expect(got.next).toBeNull();
    }
    // The power rows carry what the log is for.
    const [kill] = all.filter((r) => r.action === 'kill' && r.outcome === 'conflict');
    expect(kill).toMatchObject({
      actor: 'admin',
      role: 'admin',
      authKind: 'session',
      vmKey: 42,
      vergeosStatus: 409,
    });
    expect(kill?.refId).toBe(all.find((r) => r.action === 'kill' && r.outcome === 'requested')?.id);
  });

  it('pages with `next` through the whole filtered log, newest first, no row twice', async () => {
    await makeHistory();
    const all = await everything();
    for (const [filter, match] of [
      ['', () => true],
      ['&vm=42', (r: AuditRow) => r.vmKey === 42],
    ] as const) {
      const expected = all.filter(match).map((r) => r.id);
      const seen: number[] = [];
      let cursor: number | null = null;
      let pages = 0;
      do {
        const p: AuditPage = await page(
          `/api/audit?limit=2${filter}${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        expect(p.rows.length).toBeLessThanOrEqual(2);
        seen.push(...p.rows.map((r) => r.id));
        cursor = p.next;
        pages++;
      } while (cursor !== null && pages < 100);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
    }
  });

  it.each([
    ['from=yesterday', /querystring\.from must match format "date-time"/],
    ['to=2025-13-01T00:00:00Z', /querystring\.to must match format "date-time"/],
    ['from=2025-01-01', /querystring\.from/],
    ['vm=0', /querystring\.vm has characters or a form that is not allowed/],
    ['vm=abc', /querystring\.vm/],
    ['cursor=-1', /querystring\.cursor/],
    ['limit=0', /querystring\.limit/],
    ['limit=10000', /querystring\.limit/],
    ['outcome=maybe', /querystring\.outcome/],
    ['kind=everything', /querystring\.kind/],
    ['user=admin', /querystring has an unknown field 'user'/],
  ])('refuses %s with 400', async (query, message) => {
    for (const url of [`/api/audit?${query}`, `/api/audit.csv?${query}`]) {
      if (url.includes('.csv') && /^(cursor|limit)=/.test(query)) continue;
      const res = await get(app.adminHeaders, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json<{ err: string }>().err, url).toMatch(message);
    }
  });
});

describe('filtering by time', () => {
  it('takes `from` inclusive and `to` exclusive, in any ISO 8601 offset', async () => {
    await app.close();
    const clock = { now: Date.parse('2025-06-01T08:00:00.000Z') };
    const stores = await openTestStores({ now: () => clock.now });
    try {
      app = await buildTestApp(upstreamFor(sim), { stores });
      const times: string[] = [];
      for (const name of ['u1', 'u2', 'u3']) {
        clock.now += 1000;
        times.push(new Date(clock.now).toISOString());
        const res = await app.inject({
          method: 'POST',
          url: '/api/users',
          headers: app.adminHeaders,
          payload: { username: name, role: 'viewer', password: 'long enough password' },
        });
        expect(res.statusCode).toBe(201);
      }
      const targets = async (query: string) =>
        (await page(`/api/audit?kind=user&${query}`)).rows.map((r) => r.target);
      expect(await targets(`from=${times[1]}`)).toEqual(['user:u3', 'user:u2']);
      expect(await targets(`to=${times[1]}`)).toEqual(['user:u1']);
      expect(await targets(`from=${times[1]}&to=${times[2]}`)).toEqual(['user:u2']);
      // 08:00:02 UTC written as 10:00:02 at +02:00.
      const plusTwo = encodeURIComponent(times[1]!.replace('T08:', 'T10:').replace('Z', '+02:00'));
      expect(await targets(`from=${plusTwo}`)).toEqual(['user:u3', 'user:u2']);
      expect(await targets(`from=${times[2]}&to=${times[1]}`)).toEqual([]);
      const csv = await get(app.adminHeaders, `/api/audit.csv?kind=user&from=${times[1]}`);
      expect(
        parseCsv(csv.body)
          .slice(1)
          .map((r) => r[14]),
      ).toEqual(['user:u2', 'user:u3']);
    } finally {
      await app.close();
      stores.close();
      app = await buildTestApp(upstreamFor(sim));
    }
  });
});

describe('GET /api/audit.csv', () => {
  it('exports the filtered log as an attachment: a header line, then one line per record, oldest first', async () => {
    const { helpdesk } = await makeHistory();
    const reason = 'Caller "Bob", ticket 7\nsecond line';
    // VM 42 is starting (409) or already running (201): either way the request and its outcome are logged.
    expect([201, 409]).toContain((await act(helpdesk, 42, 'poweroff', reason)).statusCode);

    const res = await get(app.adminHeaders, '/api/audit.csv?kind=power&actor=helpdesk');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="powerdeck-audit-${today}.csv"`);

    const records = parseCsv(res.body);
    expect(records[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const expected = (await everything())
      .filter((r) => r.kind === 'power' && r.actor === 'helpdesk')
      .reverse();
    expect(expected.length).toBeGreaterThan(2);
    expect(records.slice(1).map((r) => Number(r[0]))).toEqual(expected.map((r) => r.id));
    for (const [i, row] of expected.entries()) {
      const cells = records[i + 1]!;
      expect(cells).toHaveLength(AUDIT_CSV_COLUMNS.length);
      expect(cells[AUDIT_CSV_COLUMNS.indexOf('actor')]).toBe('helpdesk');
      expect(cells[AUDIT_CSV_COLUMNS.indexOf('outcome')]).toBe(row.outcome);
      expect(cells[AUDIT_CSV_COLUMNS.indexOf('reason')]).toBe(row.reason ?? '');
      expect(cells[AUDIT_CSV_COLUMNS.indexOf('hash')]).toBe(row.hash);
    }
    // The comma, the quotes and the line break stay inside one quoted field.
    expect(res.body).toContain('"Caller ""Bob"", ticket 7\nsecond line"');
    expect(records.slice(1).filter((r) => r[AUDIT_CSV_COLUMNS.indexOf('reason')] === reason)).toHaveLength(2);
  });

  it('exports the whole log, not one page of it', async () => {
    const rows = 1234;
    for (let i = 0; i < rows; i++) {
      await app.testStores.audit.append({
        kind: 'display',
        outcome: 'accepted',
        actor: 'admin',
        target: `display:${i}`,
      });
    }
    const res = await get(app.adminHeaders, '/api/audit.csv?kind=display');
    expect(res.statusCode).toBe(200);
    const records = parseCsv(res.body);
    expect(records).toHaveLength(1 + rows);
    const targets = records.slice(1).map((r) => r[AUDIT_CSV_COLUMNS.indexOf('target')]);
    expect(targets[0]).toBe('display:0');
    expect(targets[rows - 1]).toBe(`display:${rows - 1}`);
    expect(new Set(targets).size).toBe(rows);
  });
});

describe('GET /api/vms/:key/activity', () => {
  it("joins each attempt with its outcome, newest first, with who, how, why and VergeOS's message", async () => {
    const { helpdesk, viewer } = await makeHistory();
    expect((await act(helpdesk, 42, 'poweron', 'Caller asked, ticket 9')).statusCode).toBe(409);
    // A request whose outcome was never written (the BFF stopped after forwarding it).
    const ctx: AuditInput = {
      kind: 'power',
      outcome: 'requested',
      actor: 'admin',
      role: 'admin',
      authKind: 'session',
    };
    const orphan = await app.testStores.audit.append({ ...ctx, vmKey: 42, action: 'reset' });

    const res = await get(viewer, '/api/vms/42/activity');
    expect(res.statusCode).toBe(200);
    const { items } = res.json<VmActivity>();
    expect(items.map((i) => [i.actor, i.action, i.outcome, i.reason])).toEqual([
      ['admin', 'reset', 'requested', null],
      ['helpdesk', 'poweron', 'conflict', 'Caller asked, ticket 9'],
      ['helpdesk', 'poweroff', 'denied', null],
      ['admin', 'poweron', 'accepted', null],
      ['admin', 'kill', 'conflict', null],
    ]);
    expect(items[0]?.id).toBe(orphan.id);
    expect(items[1]).toMatchObject({
      role: 'helpdesk',
      authKind: 'session',
      vergeosMessage: expect.stringMatching(/already running/),
    });
    expect(items[2]?.vergeosMessage).toBe(`Give a reason to shut down a VM (${REASON_HEADER})`);
    expect(items[3]?.vergeosMessage).toBeNull();
    expect(items[4]?.vergeosMessage).toMatch(/Error killing machine: Machine is not running/);
    expect(Object.keys(items[0]!).sort()).toEqual(
      [
        'action',
        'actor',
        'at',
        'authKind',
        'id',
        'outcome',
        'params',
        'reason',
        'role',
        'vergeosMessage',
      ].sort(),
    );

    // VM 1: the viewer's and the helpdesk's refusals, and nothing of VM 42.
    const other = (await get(viewer, '/api/vms/1/activity')).json<VmActivity>();
    expect(other.items.map((i) => [i.actor, i.action, i.outcome, i.reason])).toEqual([
      ['helpdesk', 'reset', 'denied', 'hung, says the caller'],
      ['viewer', 'poweron', 'denied', null],
    ]);
    expect((await get(viewer, '/api/vms/999/activity')).json()).toEqual({ items: [] });
    expect((await get(viewer, '/api/vms/abc/activity')).statusCode).toBe(400);
  });

  it('shows the last 20 attempts only', async () => {
    const base: AuditInput = {
      kind: 'power',
      outcome: 'requested',
      actor: 'admin',
      role: 'admin',
      vmKey: 42,
    };
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) {
      const requested = await app.testStores.audit.append({ ...base, action: 'poweron', params: { n: i } });
      ids.push(requested.id);
      await app.testStores.audit.append({
        ...base,
        outcome: 'accepted',
        refId: requested.id,
        vergeosStatus: 201,
      });
    }
    const { items } = (await get(app.adminHeaders, '/api/vms/42/activity')).json<VmActivity>();
    expect(items.map((i) => i.id)).toEqual(ids.slice(5).reverse());
    expect(new Set(items.map((i) => i.outcome))).toEqual(new Set(['accepted']));
    expect(items[0]?.params).toBe('{"n":24}');
  });

  it('is open to a wall display (fleet:read)', async () => {
    const { secret } = await app.testStores.displayLinks.create({
      name: 'wall',
      createdBy: (await app.testStores.users.get('admin'))!.id,
    });
    const opened = await app.inject({
      method: 'POST',
      url: '/api/display-session',
      headers: { [CSRF_HEADER]: '1' },
      payload: { secret },
    });
    const cookie = opened.cookies.find((c) => c.name === 'pd_session')!;
    const res = await get({ cookie: `pd_session=${cookie.value}` }, '/api/vms/42/activity');
    expect(res.statusCode).toBe(200);
  });
});

describe('the audit store additions', () => {
  it('powerAttempts keeps requests and refusals of one VM; outcomesOf finds the answers to given rows', async () => {
    const audit = app.testStores.audit;
    const base: AuditInput = { kind: 'power', outcome: 'requested', actor: 'admin', vmKey: 7 };
    const a = await audit.append(base);
    const aDone = await audit.append({ ...base, outcome: 'failed', refId: a.id });
    const b = await audit.append({ ...base, outcome: 'denied' });
    await audit.append({ ...base, vmKey: 8 });
    await audit.append({ kind: 'access', outcome: 'denied', actor: 'viewer', vmKey: 7 });
    const c = await audit.append(base);
    const cDone = await audit.append({ ...base, outcome: 'accepted', refId: c.id });

    expect((await audit.powerAttempts(7, 20)).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect((await audit.powerAttempts(7, 2)).map((r) => r.id)).toEqual([c.id, b.id]);
    expect((await audit.outcomesOf([a.id, c.id])).map((r) => r.id)).toEqual([aDone.id, cDone.id]);
    expect((await audit.outcomesOf([c.id])).map((r) => r.id)).toEqual([cDone.id]);
    expect(await audit.outcomesOf([b.id])).toEqual([]);
    expect(await audit.outcomesOf([])).toEqual([]);
  });
});
