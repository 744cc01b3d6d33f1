// Alert targets' secrets (webhook signing secrets, Slack and Teams webhook URLs, SMTP passwords) on both backends:
// after an admin creates and edits targets with them, sends tests and makes mistakes with them in the body, no
// answer (targets, a target, deliveries, the audit log as JSON and CSV), no log line and nothing stored in the
// database in plain text holds any of them; the only exception is the one 201 that shows a generated signing secret.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertTargetCreated } from '@powerdeck/contracts/alerts';
import type { Simulator } from '@powerdeck/vergeos-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs } from './plans-support';
import { BACKENDS, openTestStores, rows, type TestStores } from './store-backends';
import {
  buildTestApp,
  LogCapture,
  startSim,
  TEST_HASH,
  TEST_PASSWORD,
  upstreamFor,
  type TestApp,
} from './support';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});

const word = () => randomBytes(9).toString('hex');
const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Everything stored in plain text: the SQLite files' bytes, or every row of the tables PostgreSQL holds them in. */
async function storedText(stores: TestStores): Promise<string> {
  if (stores.backend === 'sqlite') {
    // WAL mode: what was written may be in powerdeck.db-wal only.
    return readdirSync(stores.dir)
      .filter((f) => f.startsWith('powerdeck.db'))
      .map((f) => readFileSync(join(stores.dir, f)).toString('latin1'))
      .join('\n');
  }
  const texts: string[] = [];
  for (const table of ['alert_targets', 'alert_deliveries', 'audit_log']) {
    texts.push(...(await rows<{ t: string }>(stores, `SELECT r::text AS t FROM ${table} r`)).map((r) => r.t));
  }
  return texts.join('\n');
}

describe.each(BACKENDS)('alert secrets (%s)', (backend) => {
  it('are never answered, logged, audited or stored in plain text', { timeout: 30_000 }, async () => {
    const stores = await openTestStores(backend, { hashOptions: TEST_HASH });
    await stores.users.create({ username: 'admin', role: 'admin', password: TEST_PASSWORD });
    const logs = new LogCapture();
    const app: TestApp = await buildTestApp(upstreamFor(sim), { stores, logs, closeAfterTest: true });
    const call = callAs(app);
    const answers: string[] = [];
    const send = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
      const res = await call(method, url, body);
      answers.push(res.body);
      return res;
    };

    const secrets = {
      webhook: whsec(),
      webhook2: whsec(),
      slackPath: `T${word()}/B${word()}/${word()}`,
      slackPath2: `T${word()}/B${word()}/${word()}`,
      teamsPath: `webhookb2/${word()}/IncomingWebhook/${word()}`,
      password: `pw-${word()}`,
      password2: `pw-${word()}`,
      // Mistakes: secrets in bodies that are refused.
      badSlack: `ftp-${word()}`,
      badWhsec: `whsec_${word()}`,
    };
    const slackUrl = (path: string) => `https://hooks.slack.com/services/${path}`;

    const hook = await send('POST', '/api/alerts/targets', {
      name: 'Hook',
      kind: 'webhook',
      webhook: { url: 'https://hooks.example.com/in', secret: secrets.webhook },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    // The generated secret is answered this once (and then must never show again).
    const madeRes = await call('POST', '/api/alerts/targets', {
      name: 'Made',
      kind: 'webhook',
      webhook: { url: 'https://hooks.example.com/made' },
    });
    const generated = madeRes.json<AlertTargetCreated>().signingSecret!;
    expect(generated).toMatch(/^whsec_/);
    const slack = await send('POST', '/api/alerts/targets', {
      name: 'Slack',
      kind: 'slack',
      slack: { url: slackUrl(secrets.slackPath) },
    });
    const teams = await send('POST', '/api/alerts/targets', {
      name: 'Teams',
      kind: 'teams',
      teams: { url: `https://example.webhook.office.com/${secrets.teamsPath}` },
    });
    const mail = await send('POST', '/api/alerts/targets', {
      name: 'Mail',
      kind: 'email',
      email: {
        host: 'smtp.example.com',
        port: 465,
        security: 'tls',
        username: 'powerdeck',
        password: secrets.password,
        from: 'powerdeck@example.com',
        to: ['ops@example.com'],
      },
    });
    const ids = [hook, madeRes, slack, teams, mail].map((r) => r.json<AlertTargetCreated>().target.id);
    const [hookId, madeId, slackId, , mailId] = ids as [string, string, string, string, string];

    // Edits: new secrets, and one left out.
    expect(
      (
        await send('PUT', `/api/alerts/targets/${hookId}`, {
          name: 'Hook',
          kind: 'webhook',
          webhook: { url: 'https://hooks.example.com/in', secret: secrets.webhook2 },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await send('PUT', `/api/alerts/targets/${slackId}`, {
          name: 'Slack',
          kind: 'slack',
          slack: { url: slackUrl(secrets.slackPath2) },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await send('PUT', `/api/alerts/targets/${mailId}`, {
          name: 'Mail',
          kind: 'email',
          email: {
            host: 'smtp.example.com',
            port: 465,
            security: 'tls',
            username: 'powerdeck',
            password: secrets.password2,
            from: 'powerdeck@example.com',
            to: ['ops@example.com'],
          },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await send('PUT', `/api/alerts/targets/${madeId}`, {
          name: 'Made',
          kind: 'webhook',
          webhook: { url: 'https://hooks.example.com/made2' },
          minSeverity: 'critical',
        })
      ).statusCode,
    ).toBe(200);

    // Mistakes carrying secrets: refused, and not repeated.
    for (const body of [
      { name: 'Bad', kind: 'slack', slack: { url: `ftp://hooks.slack.com/${secrets.badSlack}` } },
      { name: 'Bad', kind: 'webhook', webhook: { url: 'https://h.example/x', secret: secrets.badWhsec } },
      { name: 'SLACK', kind: 'slack', slack: { url: slackUrl(secrets.slackPath) } },
      {
        name: 'Bad',
        kind: 'slack',
        slack: { url: `https://user:${secrets.badSlack}@hooks.slack.com/services/x` },
      },
    ]) {
      const res = await send('POST', '/api/alerts/targets', body);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
    }

    // Tests queued, and everything read back.
    for (const id of ids) expect((await send('POST', `/api/alerts/targets/${id}/test`)).statusCode).toBe(202);
    await send('GET', '/api/alerts/targets');
    for (const id of ids) {
      await send('GET', `/api/alerts/targets/${id}`);
      await send('GET', `/api/alerts/targets/${id}/deliveries`);
    }
    const audit = await send('GET', '/api/audit?kind=alert&limit=100');
    expect(audit.body).toContain('alert:create');
    await send('GET', '/api/audit.csv');
    // The secrets are there, sealed: the app can open them.
    expect(app.alerts.box.open((await app.stores.alerts.getTarget(slackId))!.secret!)).toEqual({
      url: slackUrl(secrets.slackPath2),
    });
    // Deleting a target takes nothing away from the check (its audit rows stay).
    expect((await send('DELETE', `/api/alerts/targets/${hookId}`)).statusCode).toBe(204);

    // The log did record the requests (so its silence below means something).
    expect(logs.text).toContain('/api/alerts/targets');
    expect(logs.text).toContain('alert target');
    const stored = await storedText(stores);
    expect(stored).toContain('hooks.example.com');
    for (const [what, secret] of Object.entries({ ...secrets, generated })) {
      for (const [where, text] of [
        ['an answer', answers.join('\n')],
        ['the log', logs.text],
        ['the database', stored],
      ] as const) {
        expect(text.includes(secret), `${what} in ${where}`).toBe(false);
      }
    }
  });
});
