// Power plans in the browser (issue 16): an admin builds a three-tier start plan in the editor (one VM dragged to
// another tier with the keyboard), reads its dry run, starts it and watches the ladder go tier by tier; a help-desk
// user runs a plan marked for the help desk and can neither edit it nor run one kept for admins. Plans are deleted
// after each test; every run is watched to its end, so none is left running for later specs.
import { CSRF_HEADER } from '@powerdeck/contracts/roles';
import { expect, test } from '../fixtures';
import { PlanEditor, PlanPage, PlanRunView, PlansPage } from '../pages/plans-page';
import { unique } from '../support/names';
import { createPlan, deletePlans, plans } from '../support/plans';
import { VM } from '../support/seed';

const PREFIX = unique('e2e-plan');
/** Tier 1's delay before tier 2, long enough to see the ladder wait. */
const DELAY_S = 5;

test.afterEach(async ({ bffApi }) => {
  await deletePlans(bffApi, PREFIX);
});

test('an admin builds a three-tier plan, reads its dry run, starts it and watches the ladder', async ({
  page,
  sim,
  bff,
  bffApi,
}) => {
  // sql-01, db-01 and test are stopped in the seeded fleet; web-02 runs.
  for (const vm of [VM.sql01, VM.db01, VM.test]) expect(await sim.status(vm.key)).toBe('stopped');
  expect(await sim.status(VM.web02.key)).toBe('running');
  const name = `${PREFIX} site start`;

  const plansPage = new PlansPage(page);
  await plansPage.goto();
  await plansPage.newPlan.click();
  const editor = new PlanEditor(page);
  await expect(page.getByRole('heading', { name: 'New plan' })).toBeVisible();
  await editor.name.fill(name);

  await editor.field(1, 'Tier name').fill('Directory');
  await editor.addVm(1, VM.sql01.name);
  await editor.addVm(1, VM.db01.name);
  await editor.field(1, 'Delay after (s)').fill(String(DELAY_S));
  await editor.addTier.click();
  await editor.field(2, 'Tier name').fill('Databases');
  await editor.addTier.click();
  await editor.field(3, 'Tier name').fill('Web');
  await editor.addVm(3, VM.test.name);
  await editor.addVm(3, VM.web02.name);

  // db-01 belongs in tier 2: picked up with Space, carried one tier down with an arrow key, put down with Space.
  await editor
    .vmsOf(1)
    .getByRole('button', { name: `Drag ${VM.db01.name}` })
    .focus();
  await page.keyboard.press('Space');
  await expect(
    page.getByRole('status').filter({ hasText: `${VM.db01.name} is over tier 1, Directory.` }),
  ).toBeAttached();
  await page.keyboard.press('ArrowDown');
  // What a screen reader says once the page has scrolled tier 2 into view under the VM.
  await expect(
    page.getByRole('status').filter({ hasText: `${VM.db01.name} is over tier 2, Databases.` }),
  ).toBeAttached();
  await page.keyboard.press('Space');
  await expect(editor.vmsOf(2).getByRole('button', { name: `Drag ${VM.db01.name}` })).toBeVisible();
  await expect(editor.vmsOf(1).getByRole('listitem')).toHaveCount(1);
  await expect(editor.vmsOf(1)).toContainText(VM.sql01.name);

  await editor.create.click();
  const planPage = new PlanPage(page, name);
  await expect(planPage.main).toBeVisible();
  await expect(page).toHaveURL(/\/plans\/[^/]+$/);

  // The dry run, tier by tier: what would start, and what is already running.
  await expect(planPage.dryRunTier(1, 'Directory')).toContainText(`${VM.sql01.name}Starts`);
  await expect(planPage.dryRunTier(2, 'Databases')).toContainText(`${VM.db01.name}Starts`);
  const web = planPage.dryRunTier(3, 'Web');
  await expect(web).toContainText(`${VM.test.name}Starts`);
  await expect(web).toContainText(`${VM.web02.name}Already running`);

  const saved = (await plans(bffApi)).find((p) => p.name === name);
  expect(saved?.tiers.map((t) => [t.name, t.targets, t.delayAfterS])).toEqual([
    ['Directory', { kind: 'vms', vms: [VM.sql01.key] }, DELAY_S],
    ['Databases', { kind: 'vms', vms: [VM.db01.key] }, 0],
    ['Web', { kind: 'vms', vms: [VM.test.key, VM.web02.key] }, 0],
  ]);

  await planPage.button('Start plan').click();
  const dialog = page.getByRole('dialog', { name: `Start “${name}”?` });
  await dialog.getByRole('button', { name: 'Start plan', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/plans\/[^/]+\/runs\/[^/]+$/);
  const operationId = decodeURIComponent(page.url().split('/').pop()!);

  const run = new PlanRunView(page);
  await expect(page.getByRole('heading', { name: `Plan “${name}”: start` })).toBeVisible();
  const directory = run.tier(1, 'Directory');
  const databases = run.tier(2, 'Databases');
  const webTier = run.tier(3, 'Web');

  // While tier 1 waits its delay, tier 2 has not started: db-01 is still stopped.
  await expect(directory).toContainText('Waiting before the next tier');
  await expect(page.getByRole('timer', { name: /^Next tier in 0:0\d$/ })).toBeVisible();
  await expect(databases).toContainText('Waiting');
  expect(await sim.status(VM.db01.key)).toBe('stopped');

  for (const tier of [directory, databases, webTier]) {
    await expect(tier.getByText('Done', { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  }
  await expect(webTier.getByRole('list', { name: 'VMs of Web' })).toContainText(VM.web02.name);
  await expect(webTier).toContainText('Skipped');
  for (const vm of [VM.sql01, VM.db01, VM.test]) expect(await sim.status(vm.key)).toBe('running');

  // The server's report: one step per VM, tier after tier, tier 2 only after tier 1's delay.
  const op = await bff.operation(operationId);
  expect(op.status).toBe('finished');
  const stepAt = (key: number) => Date.parse(op.vms.find((v) => v.key === key)?.stepAt ?? 'NaN');
  expect(stepAt(VM.db01.key) - stepAt(VM.sql01.key)).toBeGreaterThanOrEqual(DELAY_S * 1000);
  expect(stepAt(VM.test.key)).toBeGreaterThan(stepAt(VM.db01.key));
  expect(op.vms.find((v) => v.key === VM.web02.key)?.step ?? null).toBeNull();
});

test.describe('help-desk', () => {
  test.use({ persona: 'helpdesk' });

  test('runs a plan marked for the help desk, and cannot edit it', async ({ page, sim, bffApi }) => {
    expect(await sim.status(VM.db01.key)).toBe('stopped');
    const mine = await createPlan(bffApi, {
      name: `${PREFIX} databases`,
      helpdesk: 'start',
      tiers: [{ name: 'Databases', targets: { kind: 'vms', vms: [VM.db01.key] } }],
    });
    const adminsOnly = await createPlan(bffApi, {
      name: `${PREFIX} admins only`,
      tiers: [{ name: 'Everything', targets: { kind: 'vms', vms: [VM.sql01.key] } }],
    });

    const plansPage = new PlansPage(page);
    await plansPage.goto();
    await expect(plansPage.newPlan).toHaveCount(0);
    const entry = plansPage.plan(mine.name);
    await expect(entry).toContainText('Help desk may start it');
    for (const hidden of ['Edit', 'Delete', 'Shut down plan']) {
      await expect(entry.getByRole('button', { name: hidden, exact: true })).toHaveCount(0);
    }
    const other = plansPage.plan(adminsOnly.name);
    await expect(other).toContainText('Admins only');
    await expect(other.getByRole('button', { name: 'Start plan', exact: true })).toHaveCount(0);

    // The server refuses the edit the page does not offer.
    const put = await page.request.put(`/api/plans/${encodeURIComponent(mine.id)}`, {
      headers: { [CSRF_HEADER]: '1' },
      data: { name: `${mine.name} renamed`, tiers: [{ name: 'X', targets: { kind: 'vms', vms: [1] } }] },
    });
    expect(put.status()).toBe(403);

    await entry.getByRole('button', { name: 'Start plan', exact: true }).click();
    const dialog = plansPage.dialog(`Start “${mine.name}”?`);
    await dialog.getByRole('button', { name: 'Start plan', exact: true }).click();
    const run = new PlanRunView(page);
    await expect(run.tier(1, 'Databases').getByText('Done', { exact: true }).first()).toBeVisible({
      timeout: 30_000,
    });
    expect(await sim.status(VM.db01.key)).toBe('running');
    expect(await sim.status(VM.sql01.key)).toBe('stopped');

    const after = (await plans(bffApi)).find((p) => p.id === mine.id);
    expect(after?.name).toBe(mine.name);
    expect(after?.lastRun).toMatchObject({ direction: 'start', by: 'helpdesk', status: 'finished' });
  });
});
