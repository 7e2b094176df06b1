// What every browser test needs: the admin account it runs as, unique names, screenshots into
// e2e/artifacts, the hydration signal, logging in through the login form, a watch on the page
// for uncaught errors and dialogs, and API sessions for setting up data.
import { expect, request, test, type APIRequestContext, type APIResponse, type Page } from '@playwright/test';
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

const BASE_URL = process.env.ZK_BASE_URL ?? 'http://127.0.0.1:8080';

/**
 * Registers hooks that fail a test when its page throws an uncaught exception (a wasm panic
 * included) or opens a dialog (an `alert(1)` from user data would be one; dialogs are dismissed).
 */
export function failOnPageErrorsAndDialogs(): void {
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
}

/** An API session of its own (cookie jar), with the Origin the server's CSRF check wants. */
export async function apiSession(email: string, password: string): Promise<APIRequestContext> {
  const api = await request.newContext({
    baseURL: BASE_URL,
    extraHTTPHeaders: { Origin: new URL(BASE_URL).origin },
  });
  const r = await api.post('/api/v1/auth/login', { data: { email, password } });
  expect(r.status(), await r.text()).toBeLessThan(300);
  return api;
}

/** Expects one of `statuses`; 409 in the list makes a setup step safe to repeat. */
export async function expectStatus(response: Promise<APIResponse>, ...statuses: number[]): Promise<APIResponse> {
  const r = await response;
  expect(statuses, `${r.url()}: ${await r.text()}`).toContain(r.status());
  return r;
}
