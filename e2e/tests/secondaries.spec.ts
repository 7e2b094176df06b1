// The hidden primary's fleet as an administrator manages it: a TSIG key whose secret is shown
// once, a secondary registered with it, the refusal of a bad address next to its field, the
// zone page's sync panel once a secondary exists, the panel's own engine among the engine
// nodes, and removal again.
//
// Needs a running server (ZK_BASE_URL, started with --allow-local-targets as `zk e2e` does)
// and an admin account. Screenshot: e2e/artifacts/secondaries.png.
import { test, expect } from '@playwright/test';
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

test('admin creates a key, registers a secondary and sees the zone page report on it', async ({ page }) => {
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Secondaries', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/secondaries$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Secondaries' })).toBeVisible();
  await waitForHydration(page);

  const keyName = `e2e-${unique()}.`;
  await page.getByLabel('Key name').fill(keyName);
  await page.getByLabel('Algorithm').selectOption('hmac-sha512');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByTestId('tsig-secret');
  await expect(secret).toContainText('hmac-sha512 ');
  expect((await secret.textContent())!.length).toBeGreaterThan(40);
  await expect(page.getByRole('cell', { name: keyName })).toBeVisible();
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(secret).toHaveCount(0);

  // A bad address is refused next to its field, and nothing is added.
  await page.getByLabel('Address').fill('not an address');
  await page.getByRole('button', { name: 'Add secondary' }).click();
  await expect(page.locator('#secondary-address-error')).toContainText('IPv4 or IPv6');

  // A secondary on a loopback port nobody listens on: NOTIFY to it goes unanswered, and
  // saves do not wait for it.
  const port = String(20000 + Math.floor(Math.random() * 20000));
  await page.getByLabel('Address').fill('127.0.0.1');
  await page.getByLabel('Port').fill(port);
  await page.getByLabel('TSIG key').selectOption(keyName);
  await page.locator('#secondary-comment').fill('e2e secondary');
  await page.getByRole('button', { name: 'Add secondary' }).click();
  const row = page.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${port}`) });
  await expect(row).toBeVisible();
  await expect(row).toContainText(keyName);
  await snap(page, 'secondaries');

  // The engine embedded in the panel reports like every node: following, in sync.
  const engine = page.getByTestId('engine-nodes').getByRole('row', { name: /panel@/ });
  await expect(engine).toBeVisible();
  await expect(engine).toContainText('following');
  await expect(engine).toContainText('in sync');

  // The zone page shows the secondary's state for the zone.
  const zone = `sync-${unique()}.example`;
  const created = await page.request.post('/api/v1/zones', {
    data: { name: zone },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(created.status(), await created.text()).toBe(201);
  await page.goto(`/zones/${zone}.`);
  const panel = page.getByTestId('sync-panel');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText(`127.0.0.1:${port}`);

  // Removed again (other suites run with no secondaries).
  await page.goto('/admin/secondaries');
  await waitForHydration(page);
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Yes, remove' }).click();
  await expect(row).toHaveCount(0);
  const keyRow = page.getByRole('row', { name: new RegExp(keyName.replace(/\./g, '\\.')) });
  await keyRow.getByRole('button', { name: 'Delete' }).click();
  await keyRow.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(keyRow).toHaveCount(0);
});
