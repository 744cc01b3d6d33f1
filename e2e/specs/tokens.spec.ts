// A personal access token for a script: made in the UI by help-desk staff (role helpdesk, 7 days), shown once,
// then used exactly as the VergeOS guide shows (`Authorization: Bearer <key>`, the guide's bodies), with the
// token's role enforced. Revoking it in the UI refuses the script's next call.
import { expect, test } from '../fixtures';
import { TokensPage } from '../pages/tokens-page';
import { unique } from '../support/names';
import { VM } from '../support/seed';
import { BFF_URL } from '../support/servers';

test.use({ persona: 'helpdesk' });

test('a helpdesk token works from a script as the VergeOS guide shows, and stops once revoked', async ({
  page,
  playwright,
  sim,
  bff,
  header,
}) => {
  const name = unique('backup-script');
  const from = new Date(Date.now() - 1000).toISOString();
  await sim.setVm(VM.test.key, { status: 'stopped' });
  await sim.setVm(VM.web01.key, { status: 'running' });

  await page.goto('/');
  await header.open('Tokens');
  const tokens = new TokensPage(page);
  const token = await tokens.create({ name, role: 'helpdesk', days: 7 });
  expect(token).not.toBe('');
  const row = tokens.row(name);
  await expect(row).toContainText('helpdesk');
  await expect(row).toContainText('Active');
  // Shown once: nowhere on the page any more.
  await expect(page.getByText(token)).toHaveCount(0);

  // The script: no cookie, only the token, the guide's requests with the host changed.
  const script = await playwright.request.newContext({
    baseURL: BFF_URL,
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
  try {
    const list = await script.get('/api/v4/vms', { params: { fields: '$key,name' } });
    expect(list.status(), 'GET /api/v4/vms').toBe(200);
    const vms = (await list.json()) as { $key: number; name: string }[];
    expect(vms).toContainEqual(expect.objectContaining({ $key: VM.test.key, name: VM.test.name }));

    // The guide's "Power On" call, verbatim body.
    const on = await script.post('/api/v4/vm_actions', {
      headers: { 'Content-Type': 'application/json' },
      data: JSON.stringify({ action: 'poweron', params: {}, vm: String(VM.test.key) }),
    });
    expect(on.status(), `poweron: ${await on.text()}`).toBe(201);
    await expect.poll(() => sim.status(VM.test.key)).toBe('running');

    // The guide's "Force Off": beyond a helpdesk token's role.
    const kill = await script.post('/api/v4/vm_actions', {
      headers: { 'Content-Type': 'application/json' },
      data: JSON.stringify({ action: 'kill', vm: String(VM.web01.key) }),
    });
    expect(kill.status(), 'kill').toBe(403);
    expect(await kill.text(), 'the refusal names what the role lacks').toMatch(/helpdesk/);
    expect(await sim.accepted('kill')).toBe(0);
    expect(await sim.status(VM.web01.key)).toBe('running');

    // On record as the token's owner, signed in with a token.
    await expect
      .poll(async () =>
        (await bff.auditRows({ kind: 'power', actor: 'helpdesk', from }))
          .filter((r) => r.authKind === 'token')
          .map((r) => `${r.action} ${r.vmKey} ${r.outcome}`)
          .sort(),
      )
      .toEqual(
        expect.arrayContaining([
          `kill ${VM.web01.key} denied`,
          `poweron ${VM.test.key} accepted`,
          `poweron ${VM.test.key} requested`,
        ]),
      );

    // Revoked in the UI: the script's next call is refused.
    await tokens.revoke(name);
    await expect(row).toContainText('Revoked');
    const after = await script.get('/api/v4/vms', { params: { fields: '$key,name' } });
    expect(after.status(), 'GET /api/v4/vms with a revoked token').toBe(401);
  } finally {
    await script.dispose();
  }
});
