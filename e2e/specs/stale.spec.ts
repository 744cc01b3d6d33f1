// When VergeOS stops answering, the last data stays on screen, marked out of date with the reason and since
// when; when it answers again, the banner goes away by itself.
import { expect, test } from '../fixtures';
import type { ScenarioName } from '../support/sim';

const CASES: { scenario: ScenarioName; reason: RegExp }[] = [
  // Every answer is 503.
  { scenario: 'unavailable', reason: /503/ },
  // No answer at all: the BFF's read times out after 5 s.
  { scenario: 'hang', reason: /did not answer within 5 s/ },
];

for (const { scenario, reason } of CASES) {
  test(`stale banner while VergeOS is ${scenario}, and recovery`, async ({ sim, fleetPage }) => {
    test.setTimeout(60_000);
    await fleetPage.goto();
    await expect(fleetPage.cards.first()).toBeVisible();
    await expect(fleetPage.staleBanner).toHaveCount(0);

    await sim.scenario(scenario);

    await expect(fleetPage.staleBanner).toBeVisible({ timeout: 15_000 });
    await expect(fleetPage.staleBanner).toContainText(reason);
    await expect(fleetPage.staleBanner).toContainText(/since \d{1,2}:\d{2}:\d{2}/);
    // The last good data stays on screen.
    await expect(fleetPage.cards.first()).toBeVisible();

    await sim.scenario('none');

    await expect(fleetPage.staleBanner).toBeHidden({ timeout: 20_000 });
    await expect(fleetPage.updated).toHaveText(/updated \d+ s ago/);
    await expect(fleetPage.cards.first()).toBeVisible();
  });
}
