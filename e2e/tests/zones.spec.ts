// Zones as a customer of a hosting console uses them: create a zone, open it, add records,
// see a bad record refused with the reason next to the field, see markup in a TXT record shown
// as text, and delete the zone after typing its name.
//
// Needs a running server (ZK_BASE_URL) and an admin account (ZK_ADMIN_EMAIL,
// ZK_ADMIN_PASSWORD). Screenshots go to e2e/artifacts (zones-list.png, zone-editor.png).
import { test, expect, type Page } from '@playwright/test';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  logIn,
  requireAdminAccount,
  snap,
  unique,
  waitForHydration,
} from './support';

test.beforeAll(requireAdminAccount);

// An uncaught exception in the page (a wasm panic included) fails the test that caused it;
// so does any dialog (an `alert(1)` from record data would be one).
let pageErrors: string[] = [];
let dialogs: string[] = [];
test.beforeEach(({ page }) => {
  pageErrors = [];
  dialogs = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
});
test.afterEach(() => {
  expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  expect(dialogs, 'dialogs opened by the page').toEqual([]);
});

test('admin creates a zone, edits its records and deletes it', async ({ page }) => {
  const zone = `e2e-${unique()}.example`;
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/$/);

  // ---- Zone list: create
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Zones', exact: true }).click();
  await expect(page).toHaveURL(/\/zones$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Zones' })).toBeVisible();
  await waitForHydration(page);

  // An empty name is refused in the browser, next to the field.
  await page.getByRole('button', { name: 'Create zone' }).click();
  await expect(page.locator('#zone-name-error')).not.toBeEmpty();

  await page.getByLabel('Zone name', { exact: true }).fill(zone);
  await page.getByRole('button', { name: 'Create zone' }).click();
  await expect(page.getByText(`Zone ${zone}`)).toBeVisible();
  await expect(page.locator('#zone-name-error')).toBeEmpty();
  const zonesTable = page.getByTestId('zones-table');
  const zoneLink = zonesTable.getByRole('link', { name: zone });
  await expect(zoneLink).toHaveCount(1);
  // Admins see the owner column.
  await expect(zonesTable.getByRole('columnheader', { name: 'Owner' })).toBeVisible();
  await expect(zonesTable.getByRole('row').filter({ hasText: zone })).toContainText(ADMIN_EMAIL);

  // The same name again is refused by the server (409), with its reason shown.
  await page.getByLabel('Zone name', { exact: true }).fill(zone);
  await page.getByRole('button', { name: 'Create zone' }).click();
  await expect(page.locator('#zone-name-error, .alert-error').filter({ hasText: /\S/ }).first()).toBeVisible();
  await expect(zonesTable.getByRole('link', { name: zone })).toHaveCount(1);

  // Search narrows the list through the URL.
  await page.getByLabel('Search zones').fill(zone);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/zones\\?search=${zone.replace(/\./g, '\\.')}$`));
  await expect(zonesTable.getByRole('row')).toHaveCount(2); // header + the zone
  await snap(page, 'zones-list');

  // ---- Zone page
  await zoneLink.click();
  await expect(page).toHaveURL(new RegExp(`/zones/${zone.replace(/\./g, '\\.')}\\.?$`));
  await expect(page.getByTestId('zone-name')).toContainText(zone);
  await expect(page.getByTestId('zone-serial')).toHaveText(/^\d+$/);
  await waitForHydration(page);

  const table = page.getByTestId('rrsets-table');
  // The SOA is there, read-only.
  const soa = table.getByRole('row').filter({ hasText: 'SOA' });
  await expect(soa).toHaveCount(1);
  await expect(soa.getByRole('button')).toHaveCount(0);

  const addForm = page.getByRole('form', { name: 'Add record set' });
  async function addRrSet(name: string, type: string, records: string): Promise<void> {
    await addForm.getByLabel('Name', { exact: true }).fill(name);
    await addForm.getByLabel('Type', { exact: true }).selectOption(type);
    await addForm.getByLabel('Records (one per line)').fill(records);
    await addForm.getByRole('button', { name: 'Add', exact: true }).click();
  }

  // An A record.
  const serialBefore = Number(await page.getByTestId('zone-serial').textContent());
  await addRrSet('www', 'A', '192.0.2.10');
  const www = table.getByRole('row').filter({ hasText: '192.0.2.10' });
  await expect(www).toHaveCount(1);
  await expect(www.locator('.rr-name')).toHaveText('www');
  await expect(www.locator('.badge')).toHaveText('A');
  await expect(page.getByText('Added www A.')).toBeVisible();
  await expect
    .poll(async () => Number(await page.getByTestId('zone-serial').textContent()))
    .toBeGreaterThan(serialBefore);

  // Markup in a TXT record is data: shown as text, never run.
  const markup = '<script>alert(1)</script>';
  await addRrSet('xss', 'TXT', `"${markup}"`);
  const txt = table.getByRole('row').filter({ hasText: markup });
  await expect(txt).toHaveCount(1);
  await expect(txt.locator('.rdata')).toContainText(markup);
  expect(await page.locator('main script').count(), 'script elements in the page content').toBe(0);
  expect(await txt.locator('script').count()).toBe(0);
  // The same after a reload, where the server renders the table and ships the data to the
  // browser for hydration.
  await page.reload();
  await waitForHydration(page);
  await expect(txt.locator('.rdata')).toContainText(markup);
  expect(await page.locator('main script').count(), 'script elements in the page content').toBe(0);

  // An invalid address is refused with the reason next to the records, and nothing is added.
  const rowsBefore = await table.getByRole('row').count();
  await addRrSet('bad', 'A', '999.1.1.1');
  await expect(addForm.locator('.record-errors')).toContainText('line 1:');
  await expect(addForm.getByLabel('Records (one per line)')).toHaveAttribute('aria-invalid', 'true');
  await expect(table.getByRole('row').filter({ hasText: '999.1.1.1' })).toHaveCount(0);
  await expect(table.getByRole('row')).toHaveCount(rowsBefore);

  // Inline edit: change the TTL of www, then cancel an edit and see nothing changed.
  await www.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('TTL of www A').fill('600');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByLabel('TTL of www A')).toHaveCount(0);
  await expect(www).toContainText('600');
  await www.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Records of www A, one per line').fill('192.0.2.99');
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(www).toContainText('192.0.2.10');
  await expect(table.getByRole('row').filter({ hasText: '192.0.2.99' })).toHaveCount(0);

  // The filter box hides the rows that do not match.
  await page.getByLabel('Filter records').fill('192.0.2.10');
  await expect(www).toBeVisible();
  await expect(txt).toBeHidden();
  await page.getByLabel('Filter records').fill('');
  await expect(txt).toBeVisible();
  await snap(page, 'zone-editor');

  // Delete one RRset, after its confirmation.
  await txt.getByRole('button', { name: 'Delete' }).click();
  await txt.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(table.getByRole('row').filter({ hasText: markup })).toHaveCount(0);

  // ---- Delete the zone: only once its name is typed.
  await page.getByRole('button', { name: 'Delete zone…' }).click();
  const confirmButton = page.getByRole('button', { name: 'Delete zone', exact: true });
  await expect(confirmButton).toBeDisabled();
  await page.getByLabel(/to confirm/).fill('wrong.example');
  await expect(confirmButton).toBeDisabled();
  await page.getByLabel(/to confirm/).fill(zone);
  await expect(confirmButton).toBeEnabled();
  await confirmButton.click();
  await expect(page).toHaveURL(/\/zones$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Zones' })).toBeVisible();
  await expect(page.getByRole('link', { name: zone })).toHaveCount(0);

  // Its page is gone too.
  await page.goto(`/zones/${zone}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Zone not found' })).toBeVisible();
});
