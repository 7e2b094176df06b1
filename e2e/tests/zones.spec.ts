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
  failOnPageErrorsAndDialogs,
  logIn,
  requireAdminAccount,
  snap,
  unique,
  waitForHydration,
} from './support';

test.beforeAll(requireAdminAccount);

failOnPageErrorsAndDialogs();

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

/** Creates a zone through the zone list and opens its page, hydrated. */
async function createAndOpenZone(page: Page, zone: string): Promise<void> {
  await page.goto('/zones');
  await waitForHydration(page);
  await page.getByLabel('Zone name', { exact: true }).fill(zone);
  await page.getByRole('button', { name: 'Create zone' }).click();
  await expect(page.getByText(`Zone ${zone}`)).toBeVisible();
  await page.getByTestId('zones-table').getByRole('link', { name: zone }).click();
  await expect(page.getByTestId('zone-name')).toContainText(zone);
  await waitForHydration(page);
}

/** Deletes the open zone through its danger panel. */
async function deleteOpenZone(page: Page, zone: string): Promise<void> {
  await page.getByRole('button', { name: 'Delete zone…' }).click();
  await page.getByLabel(/to confirm/).fill(zone);
  await page.getByRole('button', { name: 'Delete zone', exact: true }).click();
  await expect(page).toHaveURL(/\/zones$/);
}

test('the record editor checks fields while typing, with the server’s rules, before saving', async ({ page }) => {
  const zone = `e2e-${unique()}.example`;
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await createAndOpenZone(page, zone);

  // Every record change the page sends.
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/rrsets/') && request.method() !== 'GET') {
      sent.push(`${request.method()} ${request.url()}`);
    }
  });

  const addForm = page.getByRole('form', { name: 'Add record set' });
  const name = addForm.getByLabel('Name', { exact: true });
  const type = addForm.getByLabel('Type', { exact: true });
  const ttl = addForm.getByLabel('TTL', { exact: true });
  const records = addForm.getByLabel('Records (one per line)');
  const fieldOf = (id: string) => addForm.locator('.field').filter({ has: page.locator(`#${id}`) });

  // An invalid IPv4 address: the message is there as soon as it is typed, on its line.
  await name.fill('www');
  await type.selectOption('A');
  await records.fill('192.0.2.1\n999.1.1.1');
  await expect(addForm.locator('.record-errors')).toContainText('line 2:');
  await expect(addForm.locator('.record-errors')).toContainText('999.1.1.1');
  await expect(addForm.locator('.record-errors')).not.toContainText('line 1:');
  await expect(records).toHaveAttribute('aria-invalid', 'true');

  // TTL 0: the engine's TTL rule, word for word.
  await ttl.fill('0');
  await expect(fieldOf('rr-ttl').locator('.field-error')).toContainText('between 1 and 2147483647');
  await expect(ttl).toHaveAttribute('aria-invalid', 'true');

  // Owner names and type rules too.
  await name.fill('bad name!');
  await expect(fieldOf('rr-name').locator('.field-error')).toBeVisible();
  await name.fill('@');
  await type.selectOption('CNAME');
  await records.fill('target.example.net.');
  await expect(fieldOf('rr-type').locator('.field-error')).toContainText('apex');
  await snap(page, 'zone-editor-live-errors');

  // Clicking Add with errors sends nothing.
  await addForm.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(fieldOf('rr-type').locator('.field-error')).toContainText('apex');

  // Corrected, the messages go away as the user types, and the save goes through.
  await name.fill('www');
  await type.selectOption('A');
  await ttl.fill('300');
  await records.fill('192.0.2.1\n192.0.2.2');
  await expect(addForm.locator('.field-error')).toHaveCount(0);
  await expect(records).not.toHaveAttribute('aria-invalid', 'true');
  expect(sent, 'requests sent while the form had errors').toEqual([]);
  await addForm.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByText('Added www A.')).toBeVisible();
  expect(sent).toHaveLength(1);

  // The inline editor checks the same way.
  const table = page.getByTestId('rrsets-table');
  await table.getByRole('row').filter({ hasText: '192.0.2.2' }).getByRole('button', { name: 'Edit' }).click();
  const editTtl = page.getByLabel('TTL of www A');
  // While editing, the records are in a textarea (not text): find the row by its inputs.
  const editing = table.getByRole('row').filter({ has: editTtl });
  await editTtl.fill('0');
  await expect(editTtl).toHaveAttribute('aria-invalid', 'true');
  await expect(editing.locator('td.num .field-error')).toContainText('between 1 and 2147483647');
  await page.getByLabel('Records of www A, one per line').fill('192.0.2.1\n192.0.2.300');
  await expect(editing.locator('.record-errors')).toContainText('line 2:');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(editing.locator('.record-errors')).toContainText('line 2:');
  expect(sent).toHaveLength(1);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();

  await deleteOpenZone(page, zone);
});

test('a zone file is uploaded, previewed and applied', async ({ page }) => {
  const zone = `e2e-${unique()}.example`;
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await createAndOpenZone(page, zone);
  const serialBefore = Number(await page.getByTestId('zone-serial').textContent());

  const importForm = page.getByRole('form', { name: 'Import zone file' });
  const upload = importForm.getByLabel('Upload a zone file');
  const text = importForm.getByLabel('Zone file (or paste it here)');

  // A file the server refuses: its reason shows under the text, and nothing can be applied.
  await upload.setInputFiles({
    name: 'broken.zone',
    mimeType: 'text/plain',
    buffer: Buffer.from('www 300 IN A 999.1.1.1\n'),
  });
  await expect(text).toHaveValue(/999\.1\.1\.1/);
  await expect(page.getByTestId('import-errors')).toContainText('Line 1: ');
  await expect(page.getByTestId('import-errors')).toContainText('"999.1.1.1" is not an IPv4 address');
  await expect(text).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('button', { name: 'Apply import' })).toHaveCount(0);

  // A good file: read into the same text box, previewed as a diff, nothing stored yet.
  const file = [
    `$ORIGIN ${zone}.`,
    '$TTL 3600',
    `@     IN SOA ns1.${zone}. hostmaster.${zone}. 1 7200 3600 1209600 300`,
    `@     IN NS  ns1.${zone}.`,
    'ns1   IN A   192.0.2.53',
    'www   300 IN A 192.0.2.20',
    'mail  300 IN A 192.0.2.25',
    '@     300 IN MX 10 mail',
    '@     300 IN TXT "v=spf1 mx -all"',
    '',
  ].join('\n');
  await upload.setInputFiles({ name: `${zone}.zone`, mimeType: 'text/dns', buffer: Buffer.from(file) });
  await expect(page.getByTestId('import-file-name')).toContainText(`${zone}.zone`);
  await expect(text).toHaveValue(/192\.0\.2\.20/);
  const preview = page.getByTestId('import-preview');
  await expect(preview).toBeVisible();
  await expect(page.getByTestId('import-summary')).toContainText('would change');
  const diff = page.getByTestId('import-diff');
  await expect(diff.getByRole('row').filter({ hasText: '192.0.2.20' })).toContainText('added');
  await expect(diff.getByRole('row').filter({ hasText: 'v=spf1 mx -all' })).toContainText('added');
  // The default name servers are replaced by the file's.
  await expect(diff.getByRole('row').filter({ hasText: `ns1.${zone}.` }).first()).toBeVisible();
  const table = page.getByTestId('rrsets-table');
  await expect(table.getByRole('row').filter({ hasText: '192.0.2.20' })).toHaveCount(0);
  expect(Number(await page.getByTestId('zone-serial').textContent())).toBe(serialBefore);
  await snap(page, 'zone-import-preview');

  // Apply: the records are in the table, the serial moved on, the panel starts over.
  await page.getByRole('button', { name: 'Apply import' }).click();
  await expect(page.getByText(/Imported the zone file/)).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: '192.0.2.20' })).toHaveCount(1);
  await expect(table.getByRole('row').filter({ hasText: 'v=spf1 mx -all' })).toHaveCount(1);
  await expect
    .poll(async () => Number(await page.getByTestId('zone-serial').textContent()))
    .toBeGreaterThan(serialBefore);
  await expect(preview).toHaveCount(0);
  await expect(text).toHaveValue('');

  // Pasting the same file again previews "nothing would change".
  await text.fill(file);
  await importForm.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByTestId('import-summary')).toContainText('nothing would change');
  await snap(page, 'zone-import-applied');

  await deleteOpenZone(page, zone);
});
