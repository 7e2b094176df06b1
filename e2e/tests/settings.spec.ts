// The operator's settings (defaults for new zones) as an administrator uses them: open the
// page from the navigation, save a change and see it kept, see the server's messages next to
// the fields it refused; and a customer neither sees the page in the navigation nor gets it.
//
// Needs a running server (ZK_BASE_URL) and an admin account (ZK_ADMIN_EMAIL,
// ZK_ADMIN_PASSWORD). Screenshots: e2e/artifacts/settings.png, settings-errors.png.
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

function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

/** The API call the page makes, with the browser's session (and our Origin, as the CSRF check wants). */
async function putSettings(page: Page, settings: unknown): Promise<void> {
  const origin = new URL(page.url()).origin;
  const response = await page.request.put('/api/v1/settings', {
    data: settings,
    headers: { Origin: origin },
  });
  expect(response.status(), await response.text()).toBe(200);
}

test('admin changes a default, and sees refused values explained next to their fields', async ({ page }) => {
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  // Other suites create zones with these defaults: whatever happens here, put them back.
  const original = await (await page.request.get('/api/v1/settings')).json();
  try {
    await mainNav(page).getByRole('link', { name: 'Settings', exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await waitForHydration(page);

    const form = page.getByRole('form', { name: 'Settings' });
    const nameservers = form.getByLabel('Name servers (one per line)');
    const defaultTtl = form.getByLabel('Default TTL', { exact: true });
    const refresh = form.getByLabel('Refresh', { exact: true });
    const save = form.getByRole('button', { name: 'Save settings' });
    await expect(nameservers).toHaveValue(original.nameservers.join('\n'));
    await expect(defaultTtl).toHaveValue(String(original.default_ttl));

    // ---- A change is saved and is still there after a reload.
    const ttl = String(1000 + Math.floor(Math.random() * 2000));
    await defaultTtl.fill(ttl);
    await form.getByLabel('Hostmaster', { exact: true }).fill('dns-admin@example.net');
    await save.click();
    await expect(page.getByText('Settings saved.')).toBeVisible();
    // The server's canonical form comes back into the field: the mailbox as a name.
    await expect(form.getByLabel('Hostmaster', { exact: true })).toHaveValue('dns-admin.example.net.');
    await page.reload();
    await waitForHydration(page);
    await expect(defaultTtl).toHaveValue(ttl);
    await snap(page, 'settings');

    // ---- Bad values: each message sits next to its field, and nothing is stored.
    await refresh.fill('0');
    await nameservers.fill(`ns1.example.net.\nbad host!.example.net.`);
    await defaultTtl.fill('3600');
    await save.click();
    await expect(page.locator('#settings-refresh-error')).toContainText('between 1');
    await expect(refresh).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#settings-nameservers-error')).toContainText('line 2:');
    await expect(nameservers).toHaveAttribute('aria-invalid', 'true');
    // Fields the server accepted show nothing.
    await expect(page.locator('#settings-default-ttl-error')).toBeEmpty();
    await expect(page.getByText('Settings saved.')).toHaveCount(0);
    await snap(page, 'settings-errors');
    const stored = await (await page.request.get('/api/v1/settings')).json();
    expect(stored.soa_refresh).toBe(original.soa_refresh);
    expect(String(stored.default_ttl)).toBe(ttl);

    // A value that is not a number at all is caught before sending.
    await refresh.fill('1h');
    await save.click();
    await expect(page.locator('#settings-refresh-error')).toContainText('whole number');
  } finally {
    await putSettings(page, original);
  }
});

test('customers have no settings page', async ({ page }) => {
  // An admin creates a customer with a known password.
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/admin/users');
  await waitForHydration(page);
  const customer = `e2e-${unique()}@example.com`;
  const password = `pw-${unique()}-${unique()}`;
  await page.getByLabel('Email', { exact: true }).fill(customer);
  await page.getByLabel('Role', { exact: true }).selectOption('customer');
  await page.getByLabel('Password (optional)').fill(password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText(`Account created for ${customer}`)).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await logIn(page, customer, password);
  await expect(page).toHaveURL(/\/$/);
  await expect(mainNav(page).getByRole('link', { name: 'Zones', exact: true })).toBeVisible();
  await expect(mainNav(page).getByRole('link', { name: 'Settings', exact: true })).toHaveCount(0);
  const response = await page.goto('/admin/settings');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Forbidden' })).toBeVisible();
  await expect(page.getByLabel('Default TTL', { exact: true })).toHaveCount(0);
});

test('the server-rendered page already shows the stored values', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto('/login');
    await page.getByLabel('Email', { exact: true }).fill(ADMIN_EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/$/);
    const stored = await (await page.request.get('/api/v1/settings')).json();
    await page.goto('/admin/settings');
    const form = page.getByRole('form', { name: 'Settings' });
    await expect(form.getByLabel('Name servers (one per line)')).toHaveValue(stored.nameservers.join('\n'));
    await expect(form.getByLabel('Hostmaster', { exact: true })).toHaveValue(stored.hostmaster);
    await expect(form.getByLabel('Default TTL', { exact: true })).toHaveValue(String(stored.default_ttl));
    // Saving needs the wasm: the button says so by being disabled.
    await expect(form.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  } finally {
    await context.close();
  }
});
