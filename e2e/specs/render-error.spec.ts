// A page that throws while drawing shows a way back instead of a blank page (docs/ui-contract.md, "When a page
// fails to draw"). Here the audit log gets an answer of the wrong shape (`rows: null`), as a broken proxy or a
// mismatched server might send: the header and navigation stay, the error is logged once, `Try again` draws the
// page once the answers are right, and going to another page clears the message.
import type { Page, Route } from '@playwright/test';
import { expect, test } from '../fixtures';
import { AuditPage } from '../pages/audit-page';

const isAuditList = (url: URL) => url.pathname === '/api/audit';
const malformed = (route: Route) => route.fulfill({ json: { rows: null, next: null } });

/** What the page logged as caught render errors. */
function caughtErrors(page: Page): string[] {
  const logged: string[] = [];
  page.on('console', (message) => {
    if (
      message.type() === 'error' &&
      message.text().startsWith('Powerdeck could not draw part of the page:')
    ) {
      logged.push(message.text());
    }
  });
  return logged;
}

test('a page that throws shows a way back; Try again and the navigation recover', async ({
  page,
  header,
}) => {
  const logged = caughtErrors(page);
  await page.route(isAuditList, malformed);
  await page.goto('/audit');

  const failed = page.getByRole('main', { name: 'This page could not be shown' });
  await expect(failed.getByRole('alert')).toContainText('Something went wrong while drawing it');
  await expect(header.banner).toBeVisible();
  await expect(header.link('Audit log')).toHaveAttribute('aria-current', 'page');
  await expect.poll(() => logged.length).toBe(1);

  // The answers are right again: Try again asks afresh and draws the log.
  await page.unroute(isAuditList);
  await failed.getByRole('button', { name: 'Try again' }).click();
  const audit = new AuditPage(page);
  await expect(audit.table).toBeVisible();
  await expect(failed).toBeHidden();
  expect(logged).toHaveLength(1);

  // It fails again on a filter's answer; leaving by the navigation clears the message.
  await page.route(isAuditList, malformed);
  await audit.outcome.selectOption('Denied');
  await expect(failed).toBeVisible();
  await header.link('Fleet').click();
  await expect(failed).toBeHidden();
  await expect(page.getByRole('region', { name: 'Virtual machines' })).toBeVisible();
  await expect(header.link('Fleet')).toHaveAttribute('aria-current', 'page');
});
