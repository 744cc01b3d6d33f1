// Admin › Alerts: an admin adds a webhook target pointing at a receiver this spec starts (a real HTTP server on
// 127.0.0.1), sees its signing secret once, narrows its VM filter, sends a test and sees it in the target's
// deliveries, then deletes the target. Help desk and viewers have no Alerts link, and the page and the API refuse
// them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertTarget, AlertTargetList } from '@powerdeck/contracts/alerts';
import { expect, test } from '../fixtures';
import { AlertsPage, AlertTargetPage } from '../pages/alerts-page';
import { unique } from '../support/names';
import { VM } from '../support/seed';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver: answers 200 to every POST and keeps what it got. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/powerdeck-hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Whether a request is signed with `secret` as Standard Webhooks says: `webhook-signature` holds `v1,` + base64
 * HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the secret's bytes (base64 after `whsec_`).
 */
function signedWith(r: Received, secret: string): boolean {
  const id = r.headers['webhook-id'];
  const ts = r.headers['webhook-timestamp'];
  const sig = r.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest();
  return sig.split(' ').some((s) => {
    const [version, value] = s.split(',');
    const got = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
  });
}

test('an admin adds a webhook target, sees its secret once, narrows it, sends a test and deletes it', async ({
  page,
  header,
  bffApi,
}) => {
  const receiver = await startReceiver();
  try {
    const name = unique('On-call hook');
    await page.goto('/');
    await header.open('Alerts');
    const alerts = new AlertsPage(page);
    const { id, secret } = await alerts.addWebhook(name, receiver.url);

    // The secret was shown once: the target's page and the API say only that one is set.
    const target = new AlertTargetPage(page, name);
    await expect(target.main).toBeVisible();
    await expect(target.settings).toContainText('Signing secret');
    await expect(target.settings).toContainText('Set · stored encrypted, never shown again');
    await expect(page.getByText(secret)).toHaveCount(0);
    const saved = (await (await bffApi.get(`/api/alerts/targets/${id}`)).json()) as AlertTarget;
    expect(saved.settings).toEqual({ kind: 'webhook', url: receiver.url, secretSet: true });
    expect(JSON.stringify(saved)).not.toContain(secret.slice(6));

    // Only the web VMs.
    await target.setVmFilter(`${VM.web01.name} status:down`);
    await expect
      .poll(
        async () => ((await (await bffApi.get(`/api/alerts/targets/${id}`)).json()) as AlertTarget).vmFilter,
      )
      .toBe(`${VM.web01.name} status:down`);

    // A test message: queued at once, listed in the target's deliveries.
    await target.sendTest();
    const row = target.delivery('Test message');
    await expect(row).toHaveCount(1);
    // The BFF's worker sends it at once: listed as sent, and the receiver got it once, signed with the secret.
    await expect(row.getByRole('cell').nth(2)).toHaveText('Sent');
    await expect.poll(() => receiver.received.filter((r) => signedWith(r, secret)).length).toBe(1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'powerdeck.test' });

    // The list shows it with its VM filter in words; then it goes.
    await page.getByRole('link', { name: 'All alert targets' }).click();
    await expect(alerts.item(name)).toContainText(`VMs matching “${VM.web01.name} status:down”`);
    await alerts.item(name).getByRole('link', { name }).click();
    await target.delete();
    await expect(page).toHaveURL(/\/admin\/alerts$/);
    await expect(alerts.item(name)).toHaveCount(0);
    const left = (await (await bffApi.get('/api/alerts/targets')).json()) as AlertTargetList;
    expect(left.targets.map((t) => t.name)).not.toContain(name);
  } finally {
    await receiver.close();
  }
});

for (const persona of ['helpdesk', 'viewer'] as const) {
  test.describe(`${persona}`, () => {
    test.use({ persona });

    test(`${persona} has no Alerts link, and may not open the page or read the targets`, async ({
      page,
      header,
    }) => {
      await page.goto('/');
      await header.expectSignedInAs(persona, persona);
      await expect(header.link('Alerts')).toHaveCount(0);
      await page.goto('/admin/alerts');
      await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
      await expect(page.getByRole('list', { name: 'Alert targets' })).toHaveCount(0);
      expect((await page.request.get('/api/alerts/targets')).status()).toBe(403);
    });
  });
}
