// The console as a person uses it: log in, look around, create a customer and an API token,
// log out — plus a wrong password, a browser without JavaScript, and a phone-sized screen.
//
// Needs a running server (ZK_BASE_URL) and an admin account (ZK_ADMIN_EMAIL,
// ZK_ADMIN_PASSWORD). Every page visited is saved as e2e/artifacts/<name>.png so a person
// can look at what the test saw.
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

function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

test.beforeAll(requireAdminAccount);

failOnPageErrorsAndDialogs();

test('admin logs in, adds a customer and an API token, logs out', async ({ page }) => {
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);

  // Dashboard
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(ADMIN_EMAIL);
  await expect(page.getByText('administrator', { exact: true }).first()).toBeVisible();
  await snap(page, 'dashboard');

  // Every section of the navigation leads to its page (each has its own spec for the work).
  await mainNav(page).getByRole('link', { name: 'Domains', exact: true }).click();
  await expect(page).toHaveURL(/\/domains$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Domains' })).toBeVisible();
  await snap(page, 'domains');

  // Admin → create a customer (no password: the server generates one, shown once).
  await mainNav(page).getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  const customer = `e2e-${unique()}@example.com`;
  await page.getByLabel('Email', { exact: true }).fill(customer);
  await page.getByLabel('Role', { exact: true }).selectOption('customer');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText(`Account created for ${customer}`)).toBeVisible();
  await expect(page.getByTestId('generated-password')).not.toBeEmpty();
  const row = page.getByTestId('users-table').getByRole('row').filter({ hasText: customer });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('customer');
  await expect(row).toContainText('active');
  await snap(page, 'admin-users');

  // API tokens → create one; its secret is shown exactly once.
  await mainNav(page).getByRole('link', { name: 'API tokens', exact: true }).click();
  await expect(page).toHaveURL(/\/tokens$/);
  const tokenName = `e2e token ${unique()}`;
  await page.getByLabel('Name', { exact: true }).fill(tokenName);
  await page.getByRole('button', { name: 'Create token' }).click();
  const secretBox = page.getByTestId('token-secret');
  await expect(secretBox).toHaveText(/^zk_\S+$/);
  const secret = (await secretBox.textContent()) ?? '';
  await expect(page.getByText('will not be shown again')).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: tokenName })).toHaveCount(1);
  await snap(page, 'tokens-created');

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('row').filter({ hasText: tokenName })).toHaveCount(1);
  await expect(page.getByTestId('token-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await snap(page, 'tokens-after-reload');

  // Account
  await mainNav(page).getByRole('link', { name: 'Account', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'Change password' })).toBeVisible();
  await snap(page, 'account');

  // Log out: back on /login, and the console is closed.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, 'logged-out');
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
});

test('a wrong password gets the generic error', async ({ page }) => {
  await logIn(page, ADMIN_EMAIL, `wrong-${unique()}`);
  await expect(page.getByRole('alert')).toHaveText('Invalid email or password.');
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, 'login-error');
});

test('login works without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    // The server-rendered page alone: the native form post and the redirects.
    await page.goto('/login?error=1');
    await expect(page.getByRole('alert')).toHaveText('Invalid email or password.');
    await page.getByLabel('Email', { exact: true }).fill(ADMIN_EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/$/);
    // Rendered on the server with the visitor's session: real data before any wasm.
    await expect(page.getByRole('heading', { level: 1 })).toContainText(ADMIN_EMAIL);
    await snap(page, 'dashboard-no-js');
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login$/);
  } finally {
    await context.close();
  }
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the navigation fits and works', async ({ page }) => {
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(ADMIN_EMAIL);

    // Every entry is visible and inside the screen: nothing hidden off to the right.
    for (const name of ['Zones', 'Reverse DNS', 'Domains', 'API tokens', 'Admin', 'Account']) {
      const link = mainNav(page).getByRole('link', { name, exact: true });
      await expect(link).toBeVisible();
      const box = await link.boundingBox();
      expect(box, `${name} has a box`).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    }
    await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
    await snap(page, 'phone-dashboard');

    await mainNav(page).getByRole('link', { name: 'API tokens', exact: true }).click();
    await expect(page).toHaveURL(/\/tokens$/);
    await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
    await snap(page, 'phone-tokens');
  });
});

// A reflected XSS once ran through the page title (`/zones/<name>` put the name into
// <title> unescaped). Every route with a parameter or query gets markup that would run; no
// script runs (failOnPageErrorsAndDialogs fails the test on any alert), and the title shows
// the text as text.
test('hostile route parameters render as text on every page', async ({ page }) => {
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  // Wait for the session: navigating on at once would cancel the login request.
  await expect(page).toHaveURL(/\/$/);
  const hostile = '</title><script>alert(document.domain)</script><img src=x onerror=alert(1)>';
  const encoded = encodeURIComponent(hostile);
  const paths = [
    `/zones/${encoded}`,
    `/domains/${encoded}`,
    `/rdns?range=${encoded}`,
    `/zones?q=${encoded}`,
    `/admin/reverse-dns?network=${encoded}`,
    `/${encoded}`,
  ];
  for (const path of paths) {
    await page.goto(path);
    await waitForHydration(page);
    // Still logged in: a login page here would prove nothing about the page asked for.
    expect(new URL(page.url()).pathname, path).not.toBe('/login');
    expect(await page.locator('script:not([src]):not([type])', { hasText: 'alert(' }).count()).toBe(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
  }
  await page.goto(`/zones/${encoded}`);
  await expect(page).toHaveTitle(/<\/title><script>alert/);
  await snap(page, 'hostile-title');
});
