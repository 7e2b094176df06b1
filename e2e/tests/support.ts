// What every browser test needs: the admin account it runs as, unique names, screenshots into
// e2e/artifacts, the hydration signal, and logging in through the login form.
import { type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ADMIN_EMAIL = process.env.ZK_ADMIN_EMAIL ?? '';
export const ADMIN_PASSWORD = process.env.ZK_ADMIN_PASSWORD ?? '';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

/** A suffix that keeps names unique across runs against the same database. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Saves a full-page screenshot as e2e/artifacts/<name>.png for a person to look at. */
export async function snap(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until the wasm has taken over the page (an Effect sets the attribute; never SSR). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

/** Fills and submits the login form (the caller checks where it lands). */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Fails fast, with the reason, when the admin account to test with is not configured. */
export function requireAdminAccount(): void {
  if (!ADMIN_EMAIL || !ADMIN_PASSWORD) {
    throw new Error('Set ZK_ADMIN_EMAIL and ZK_ADMIN_PASSWORD to an existing admin account.');
  }
}
