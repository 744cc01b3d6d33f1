// The alert target routes as the contract words them (the real app, real SQLite, the simulator as VergeOS): an admin
// creates each kind of target (a webhook's signing secret made and shown once), reads, lists, edits (a secret left
// out is kept) and deletes them, every change audited as kind `alert`; what people type wrong is refused with 400 in
// words and nothing is stored; a taken name is 409, an unknown id 404, the 51st target 409; viewers, help desk and
// wall displays get 403 in words; "send test" queues a delivery due now (a disabled target too) and wakes the worker.
import { randomBytes } from 'node:crypto';
import { MAX_TARGETS } from '@powerdeck/contracts/alert-terms';
import type {
  AlertDelivery,
  AlertDeliveryList,
  AlertTarget,
  AlertTargetCreated,
  AlertTargetList,
} from '@powerdeck/contracts/alerts';
import type { AuditPage } from '@powerdeck/contracts/audit';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { describe, expect, it } from 'vitest';
import { callAs } from './plans-support';
import { displayHeaders, signIn, useSimApp, type TestApp } from './support';

const env = useSimApp();

const err = (res: { json: <T>() => T }) => res.json<{ err: string }>().err;

export const webhookBody = (over: Record<string, unknown> = {}) => ({
  name: 'Ops webhook',
  kind: 'webhook',
  webhook: { url: 'https://hooks.example.com/powerdeck' },
  ...over,
});
export const slackBody = (over: Record<string, unknown> = {}) => ({
  name: 'On-call Slack',
  kind: 'slack',
  slack: { url: 'https://hooks.slack.com/services/T0/B0/slack-path-secret' },
  ...over,
});
export const emailBody = (over: Record<string, unknown> = {}, email: Record<string, unknown> = {}) => ({
  name: 'Ops mail',
  kind: 'email',
  email: {
    host: 'smtp.example.com',
    port: 587,
    security: 'starttls',
    username: 'powerdeck',
    password: 'smtp-password-secret',
    from: 'powerdeck@example.com',
    to: ['ops@example.com', 'oncall@example.com'],
    ...email,
  },
  ...over,
});

async function create(app: TestApp, body: Record<string, unknown>): Promise<AlertTargetCreated> {
  const res = await callAs(app)('POST', '/api/alerts/targets', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<AlertTargetCreated>();
}

async function alertAudit(app: TestApp) {
  const res = await callAs(app)('GET', '/api/audit?kind=alert');
  expect(res.statusCode, res.body).toBe(200);
  // The audit API answers params as their JSON text.
  return res
    .json<AuditPage>()
    .rows.map((r) => ({ ...r, params: r.params === null ? null : (JSON.parse(r.params) as unknown) }));
}

describe('alert targets over HTTP', () => {
  it('creates a webhook with defaults and a signing secret made and shown once; reads and lists it; audits it', async () => {
    const { app } = env;
    const call = callAs(app);
    const { target, signingSecret } = await create(app, webhookBody({ name: '  Ops webhook  ' }));
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(signingSecret!.slice(6), 'base64')).toHaveLength(32);
    expect(target).toMatchObject({
      name: 'Ops webhook',
      settings: { kind: 'webhook', url: 'https://hooks.example.com/powerdeck', secretSet: true },
      events: [],
      vmFilter: '',
      minSeverity: 'info',
      cooldownMinutes: 15,
      digestThreshold: 5,
      enabled: true,
      createdBy: 'admin',
      lastDelivery: null,
      pending: 0,
      failed: 0,
    });
    // The stored secret is the one answered, sealed.
    const stored = (await app.testStores.alerts.getTarget(target.id))!;
    expect(stored.secret).not.toContain(signingSecret);
    expect(app.alerts.box.open(stored.secret!)).toEqual({ secret: signingSecret });

    const got = await call('GET', `/api/alerts/targets/${target.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json<AlertTarget>()).toEqual(target);
    expect(got.body).not.toContain(signingSecret!.slice(6));
    const list = await call('GET', '/api/alerts/targets');
    expect(list.json<AlertTargetList>().targets).toEqual([target]);

    const [row] = await alertAudit(app);
    expect(row).toMatchObject({
      kind: 'alert',
      action: 'alert:create',
      target: `alert-target:${target.id}`,
      actor: 'admin',
      outcome: 'accepted',
      params: {
        name: 'Ops webhook',
        kind: 'webhook',
        settings: { url: 'https://hooks.example.com/powerdeck', secretSet: true },
        signingSecret: 'generated',
      },
    });
  });

  it('a given signing secret is kept and not answered; Slack and Teams show their host only; e-mail its settings', async () => {
    const { app } = env;
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await create(app, webhookBody({ webhook: { url: 'http://10.0.0.5:8080/in', secret } }));
    expect(hook.signingSecret).toBeNull();
    expect(app.alerts.box.open((await app.testStores.alerts.getTarget(hook.target.id))!.secret!)).toEqual({
      secret,
    });

    const slack = await create(app, slackBody({ events: ['vm_back', 'vm_down', 'vm_down'] }));
    expect(slack.target.settings).toEqual({ kind: 'slack', host: 'hooks.slack.com' });
    // Each event once, in the contract's order.
    expect(slack.target.events).toEqual(['vm_down', 'vm_back']);
    const teams = await create(
      app,
      slackBody({
        name: 'Teams',
        kind: 'teams',
        slack: undefined,
        teams: { url: 'http://127.0.0.1:9999/teams' },
      }),
    );
    expect(teams.target.settings).toEqual({ kind: 'teams', host: '127.0.0.1:9999' });

    const mail = await create(app, emailBody({ minSeverity: 'warning', vmFilter: ' web status:down ' }));
    expect(mail.target).toMatchObject({
      settings: {
        kind: 'email',
        host: 'smtp.example.com',
        port: 587,
        security: 'starttls',
        username: 'powerdeck',
        passwordSet: true,
        from: 'powerdeck@example.com',
        to: ['ops@example.com', 'oncall@example.com'],
      },
      minSeverity: 'warning',
      vmFilter: 'web status:down',
    });
    const open = await create(
      app,
      emailBody({ name: 'Relay' }, { username: '', password: undefined, security: 'none', port: 25 }),
    );
    expect(open.target.settings).toMatchObject({ username: null, passwordSet: false });
    expect((await app.testStores.alerts.getTarget(open.target.id))!.secret).toBeNull();
    const names = (await callAs(app)('GET', '/api/alerts/targets'))
      .json<AlertTargetList>()
      .targets.map((t) => t.name);
    expect(names).toEqual(['On-call Slack', 'Ops mail', 'Ops webhook', 'Relay', 'Teams']);
  });

  it('PUT replaces the settings; a secret left out is kept, one given replaces it; the audit names what changed', async () => {
    const { app } = env;
    const call = callAs(app);
    const store = app.testStores.alerts;
    const { target, signingSecret } = await create(
      app,
      webhookBody({ events: ['vm_down'], cooldownMinutes: 30 }),
    );
    const put = await call(
      'PUT',
      `/api/alerts/targets/${target.id}`,
      webhookBody({ name: 'Renamed', webhook: { url: 'https://other.example.com/x' }, enabled: false }),
    );
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json<AlertTarget>()).toMatchObject({
      name: 'Renamed',
      settings: { kind: 'webhook', url: 'https://other.example.com/x', secretSet: true },
      // Replaced: left out, the defaults.
      events: [],
      cooldownMinutes: 15,
      enabled: false,
    });
    expect(app.alerts.box.open((await store.getTarget(target.id))!.secret!)).toEqual({
      secret: signingSecret,
    });
    const secret = `whsec_${randomBytes(40).toString('base64')}`;
    const again = await call(
      'PUT',
      `/api/alerts/targets/${target.id}`,
      webhookBody({
        name: 'Renamed',
        webhook: { url: 'https://other.example.com/x', secret },
        enabled: false,
      }),
    );
    expect(again.statusCode, again.body).toBe(200);
    expect(app.alerts.box.open((await store.getTarget(target.id))!.secret!)).toEqual({ secret });

    // Slack: the URL left out keeps the stored one and its host.
    const slack = (await create(app, slackBody())).target;
    const keep = await call(
      'PUT',
      `/api/alerts/targets/${slack.id}`,
      slackBody({ slack: {}, minSeverity: 'critical' }),
    );
    expect(keep.statusCode, keep.body).toBe(200);
    expect(keep.json<AlertTarget>().settings).toEqual({ kind: 'slack', host: 'hooks.slack.com' });
    expect(app.alerts.box.open((await store.getTarget(slack.id))!.secret!)).toEqual({
      url: 'https://hooks.slack.com/services/T0/B0/slack-path-secret',
    });
    // E-mail: the password left out is kept; no user name drops it.
    const mail = (await create(app, emailBody())).target;
    const mailBody = emailBody({}, { password: undefined, to: ['noc@example.com'] });
    expect((await call('PUT', `/api/alerts/targets/${mail.id}`, mailBody)).statusCode).toBe(200);
    expect(app.alerts.box.open((await store.getTarget(mail.id))!.secret!)).toEqual({
      password: 'smtp-password-secret',
    });
    const noAuth = await call(
      'PUT',
      `/api/alerts/targets/${mail.id}`,
      emailBody({}, { username: '', password: undefined }),
    );
    expect(noAuth.json<AlertTarget>().settings).toMatchObject({ username: null, passwordSet: false });
    expect((await store.getTarget(mail.id))!.secret).toBeNull();

    const edits = (await alertAudit(app)).filter((r) => r.action === 'alert:edit');
    expect(edits.map((r) => r.params)).toEqual([
      { name: 'Ops mail', kind: 'email', changed: ['email.to', 'email.username', 'email.password'] },
      { name: 'Ops mail', kind: 'email', changed: ['email.to'] },
      { name: 'On-call Slack', kind: 'slack', changed: ['minSeverity'] },
      { name: 'Renamed', kind: 'webhook', changed: ['webhook.secret'] },
      {
        name: 'Renamed',
        kind: 'webhook',
        changed: ['name', 'events', 'cooldownMinutes', 'enabled', 'webhook.url'],
      },
    ]);
  });

  it('refuses what people type wrong with 400 naming the field, and stores nothing', async () => {
    const { app } = env;
    const call = callAs(app);
    const refusals: [Record<string, unknown>, RegExp][] = [
      [webhookBody({ name: '   ' }), /Give the alert target a name \(name\)/],
      [
        webhookBody({ webhook: { url: 'ftp://files.example.com/x' } }),
        /webhook\.url must start with http:\/\/ or https:\/\//,
      ],
      [webhookBody({ webhook: { url: 'hooks.example.com/x' } }), /webhook\.url: give the whole address/],
      [
        webhookBody({ webhook: { url: 'https://user:pw@hooks.example.com/x' } }),
        /webhook\.url must not carry a user name or password/,
      ],
      [
        webhookBody({ webhook: { url: 'https://hooks.example.com/x', secret: 'not-a-secret' } }),
        /webhook\.secret must be whsec_/,
      ],
      [
        webhookBody({
          webhook: {
            url: 'https://hooks.example.com/x',
            secret: `whsec_${randomBytes(16).toString('base64')}`,
          },
        }),
        /base64 of 24 to 64 random bytes/,
      ],
      [slackBody({ slack: {} }), /Give the Slack incoming webhook's URL \(slack\.url\)/],
      [
        slackBody({ slack: { url: 'http://hooks.slack.com/services/T0/B0/xyz' } }),
        /slack\.url must start with https:\/\//,
      ],
      [emailBody({}, { from: 'not an address' }), /email\.from: "not an address" is not an e-mail address/],
      [emailBody({}, { to: ['ops@example.com', 'ops@'] }), /email\.to\.1: "ops@" is not an e-mail address/],
      [emailBody({}, { host: 'smtp://smtp.example.com:25' }), /email\.host: give the SMTP server's name/],
      [emailBody({}, { username: '', password: 'pw' }), /email\.password goes with a user name/],
      [
        emailBody({}, { password: undefined }),
        /Give the password of powerdeck on the SMTP server \(email\.password\)/,
      ],
      [webhookBody({ vmFilter: 'status:runing' }), /vmFilter: 'runing' is not a status/],
      [webhookBody({ vmFilter: 'status:' }), /vmFilter: 'status:' restricts nothing/],
    ];
    for (const [body, words] of refusals) {
      const res = await call('POST', '/api/alerts/targets', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(err(res)).toMatch(words);
      // The Slack URL is the secret: never repeated.
      expect(res.body).not.toContain('/services/T0/B0');
    }
    // The schema's refusals name the body's own kind's fields.
    const shape: [Record<string, unknown>, string][] = [
      [
        { name: 'x', kind: 'slack', webhook: { url: 'https://a.example' } },
        "Invalid request: body is missing 'slack'",
      ],
      [emailBody({}, { to: [] }), 'Invalid request: body.email.to must not have fewer than 1 items'],
      [
        { name: 'x', kind: 'pager' },
        'Invalid request: body.kind must be one of webhook, slack, teams, email',
      ],
      [
        slackBody({ slack: { url: 'https://a.example', secret: 'x' } }),
        "Invalid request: body.slack has an unknown field 'secret'",
      ],
    ];
    for (const [body, words] of shape) {
      const res = await call('POST', '/api/alerts/targets', body);
      expect(res.statusCode).toBe(400);
      expect(err(res)).toBe(words);
    }
    expect(
      (await call('POST', '/api/alerts/targets', webhookBody({ cooldownMinutes: 5000 }))).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/api/alerts/targets', webhookBody({ events: ['vm_exploded'] }))).statusCode,
    ).toBe(400);
    expect((await call('POST', '/api/alerts/targets', { name: 'x', kind: 'pager' })).statusCode).toBe(400);
    expect(
      (await call('POST', '/api/alerts/targets', webhookBody({ vmFilter: 'w'.repeat(501) }))).statusCode,
    ).toBe(400);
    expect(await app.testStores.alerts.listTargets()).toEqual([]);
    expect(await alertAudit(app)).toEqual([]);

    // A target's kind does not change.
    const { target } = await create(app, webhookBody());
    const res = await call('PUT', `/api/alerts/targets/${target.id}`, slackBody({ name: 'Ops webhook' }));
    expect(res.statusCode).toBe(400);
    expect(err(res)).toBe(
      "An alert target's kind cannot change (Webhook (signed JSON) to Slack): create a new target and delete this one",
    );
    expect((await app.testStores.alerts.getTarget(target.id))!.kind).toBe('webhook');
  });

  it('a taken name (any case) is 409; unknown ids are 404; the 51st target is 409', async () => {
    const { app } = env;
    const call = callAs(app);
    const a = (await create(app, webhookBody({ name: 'Pager' }))).target;
    const b = (await create(app, webhookBody({ name: 'Mail' }))).target;
    const dup = await call('POST', '/api/alerts/targets', webhookBody({ name: 'PAGER' }));
    expect(dup.statusCode).toBe(409);
    expect(err(dup)).toBe('An alert target named "PAGER" exists already: choose another name.');
    const rename = await call('PUT', `/api/alerts/targets/${b.id}`, webhookBody({ name: 'pager' }));
    expect(rename.statusCode).toBe(409);
    expect(
      (await call('PUT', `/api/alerts/targets/${a.id}`, webhookBody({ name: 'PAGER' }))).statusCode,
    ).toBe(200);

    for (const [method, url] of [
      ['GET', '/api/alerts/targets/nope'],
      ['PUT', '/api/alerts/targets/nope'],
      ['DELETE', '/api/alerts/targets/nope'],
      ['POST', '/api/alerts/targets/nope/test'],
      ['GET', '/api/alerts/targets/nope/deliveries'],
    ] as const) {
      const res = await call(method, url, method === 'PUT' ? webhookBody() : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(err(res)).toBe('No alert target nope');
    }

    for (let i = 2; i < MAX_TARGETS; i += 1) {
      await app.testStores.alerts.createTarget({
        ...(await app.testStores.alerts.getTarget(a.id))!,
        id: `t-${i}`,
        name: `Target ${i}`,
      });
    }
    const full = await call('POST', '/api/alerts/targets', webhookBody({ name: 'One too many' }));
    expect(full.statusCode).toBe(409);
    expect(err(full)).toBe(
      `Powerdeck keeps at most ${MAX_TARGETS} alert targets: delete one you no longer use first`,
    );
  });

  it('viewers, help desk and wall displays get 403 in words (audited); a browser request without the CSRF header too', async () => {
    const { app } = env;
    const { target } = await create(app, webhookBody());
    for (const who of ['viewer', 'helpdesk'] as const) {
      const call = callAs(app, await signIn(app, who));
      for (const [method, url] of [
        ['GET', '/api/alerts/targets'],
        ['POST', '/api/alerts/targets'],
        ['PUT', `/api/alerts/targets/${target.id}`],
        ['DELETE', `/api/alerts/targets/${target.id}`],
        ['POST', `/api/alerts/targets/${target.id}/test`],
        ['GET', `/api/alerts/targets/${target.id}/deliveries`],
      ] as const) {
        const res = await call(
          method,
          url,
          method === 'PUT' || (url.endsWith('targets') && method === 'POST') ? webhookBody() : undefined,
        );
        expect(res.statusCode, `${who} ${method} ${url}`).toBe(403);
        expect(err(res)).toBe(`Your role (${who}) may not manage alert targets: that needs admin`);
      }
    }
    const wall = await callAs(app, await displayHeaders(app))('GET', '/api/alerts/targets');
    expect(wall.statusCode).toBe(403);
    expect(err(wall)).toBe('A wall display may only see the fleet, not manage alert targets');
    const denied = await app.testStores.audit.query({ kind: 'access', outcome: 'denied' });
    expect(denied.rows.filter((r) => r.target === 'alerts:manage')).toHaveLength(13);

    const { [CSRF_HEADER]: _csrf, ...noCsrf } = app.adminHeaders;
    const res = await callAs(app, noCsrf)('DELETE', `/api/alerts/targets/${target.id}`);
    expect(res.statusCode).toBe(403);
    expect(res.json<{ code: string }>().code).toBe('csrf');
    expect(await app.testStores.alerts.getTarget(target.id)).not.toBeNull();
  });

  it('send test queues a delivery due now (a disabled target too), wakes the worker and shows it; delete takes them away', async () => {
    const { app } = env;
    const call = callAs(app);
    let wakes = 0;
    app.alerts.setWake(() => {
      wakes += 1;
    });
    const { target } = await create(app, slackBody({ enabled: false }));
    const before = Date.now();
    const res = await call('POST', `/api/alerts/targets/${target.id}/test`);
    expect(res.statusCode, res.body).toBe(202);
    const delivery = res.json<AlertDelivery>();
    expect(delivery).toMatchObject({
      targetId: target.id,
      event: 'test',
      severity: 'info',
      title: 'Test message from Powerdeck to "On-call Slack"',
      vmKey: null,
      status: 'queued',
      attempts: 0,
      lastError: null,
      sentAt: null,
      mergedInto: null,
    });
    expect(delivery.nextAttemptAt).toBe(delivery.createdAt);
    expect(Date.parse(delivery.createdAt)).toBeGreaterThanOrEqual(before - 1);
    expect(wakes).toBe(1);
    expect((await app.testStores.alerts.due(new Date().toISOString(), 10)).map((d) => d.id)).toEqual([
      delivery.id,
    ]);

    const list = await call('GET', `/api/alerts/targets/${target.id}/deliveries`);
    expect(list.json<AlertDeliveryList>().deliveries).toEqual([delivery]);
    expect(list.body).not.toContain('payload');
    const shown = (await call('GET', `/api/alerts/targets/${target.id}`)).json<AlertTarget>();
    expect(shown).toMatchObject({
      pending: 1,
      failed: 0,
      lastDelivery: { status: 'queued', event: 'test', at: delivery.createdAt, error: null },
    });
    expect((await alertAudit(app))[0]).toMatchObject({
      action: 'alert:test',
      target: `alert-target:${target.id}`,
      params: { name: 'On-call Slack', kind: 'slack', deliveryId: delivery.id },
    });

    const del = await call('DELETE', `/api/alerts/targets/${target.id}`);
    expect(del.statusCode).toBe(204);
    expect(await app.testStores.alerts.getDelivery(delivery.id)).toBeNull();
    expect((await call('GET', '/api/alerts/targets')).json<AlertTargetList>().targets).toEqual([]);
    expect((await alertAudit(app)).map((r) => r.action)).toEqual([
      'alert:delete',
      'alert:test',
      'alert:create',
    ]);
  });

  it('send test refuses (409) a target whose secrets no longer open, saying what to do', async () => {
    const { app } = env;
    const { target } = await create(app, webhookBody());
    // As after the audit key file was replaced: the secret was sealed with another key.
    await app.testStores.alerts.updateTarget(
      target.id,
      { secret: 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA' },
      new Date().toISOString(),
    );
    const res = await callAs(app)('POST', `/api/alerts/targets/${target.id}/test`);
    expect(res.statusCode).toBe(409);
    expect(err(res)).toMatch(
      /^The stored alert secret cannot be opened: .* enter the secret again on the alert target$/,
    );
    expect(await app.testStores.alerts.listDeliveries(target.id, 10)).toEqual([]);
  });
});
