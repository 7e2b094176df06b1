// DNSSEC as a hosting customer uses it: sign a zone on its page, take the DS record from the
// DNSSEC panel, and submit it registrar-style for the delegated subdomain — checked live against
// the child's DNSKEY, then served by the parent zone at the delegation. Also: a DS computed from
// the pasted DNSKEY, a changed digest refused as a mismatch and then stored as pending when it is
// confirmed as a key-rollover pre-publication, a key tag with no key refused, deleting a row, a
// registrar domain's export, and markup in a domain name shown as text.
//
// The parent ds-parent.test delegates kid.ds-parent.test to ns1.kid.ds-parent.test with glue
// 127.0.0.1: the e2e server runs with --nameserver-port 0, so the DS check asks this very server
// (see ./zk). The zones are set up through the API as the admin, like the other specs do.
//
// Screenshots: ds-zone-dnssec.png, ds-domains.png, ds-domain.png, ds-mismatch.png.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  apiSession,
  expectStatus,
  failOnPageErrorsAndDialogs,
  logIn,
  requireAdminAccount,
  snap,
  unique,
  waitForHydration,
} from './support';

const PARENT = 'ds-parent.test.';
const CHILD = 'kid.ds-parent.test.';
const CHILD_SHOWN = 'kid.ds-parent.test';

test.beforeAll(requireAdminAccount);

failOnPageErrorsAndDialogs();


/** The data of a DS line (`key-tag algorithm digest-type DIGEST`), whatever owner and TTL. */
function dsData(line: string): string {
  const fields = line.trim().split(/\s+/);
  const at = fields.findIndex((f) => f.toUpperCase() === 'DS');
  expect(at, `a DS line: ${line}`).toBeGreaterThanOrEqual(0);
  return fields.slice(at + 1).join(' ').toUpperCase();
}

/** The DS line with the last hex digit of its digest changed. */
function withChangedDigest(line: string): string {
  const trimmed = line.trim();
  const last = trimmed.slice(-1).toUpperCase();
  return trimmed.slice(0, -1) + (last === '0' ? '1' : '0');
}

const addForm = (page: Page) => page.locator('#ds-form');
const dsRows = (page: Page) => page.getByTestId('ds-table').locator('tbody tr');

test.describe.serial('DS records', () => {
  let admin: APIRequestContext;
  let dsLine = '';
  let dnskeyLine = '';
  let keyTag = 0;

  test.beforeAll(async () => {
    admin = await apiSession(ADMIN_EMAIL, ADMIN_PASSWORD);
    // Safe to repeat against the same database: start from nothing.
    await expectStatus(admin.delete(`/api/v1/domains/${CHILD}`), 204, 404);
    await expectStatus(admin.delete(`/api/v1/zones/${CHILD}`), 204, 404);
    await expectStatus(admin.delete(`/api/v1/zones/${PARENT}`), 204, 404);
    await expectStatus(admin.post('/api/v1/zones', { data: { name: PARENT } }), 201);
    await expectStatus(admin.post('/api/v1/zones', { data: { name: CHILD } }), 201);
    // The child is served here, by ns1.kid.ds-parent.test = 127.0.0.1.
    await expectStatus(
      admin.patch(`/api/v1/zones/${CHILD}/rrsets`, {
        data: {
          changes: [
            { name: '@', type: 'NS', records: [`ns1.${CHILD}`] },
            { name: 'ns1', type: 'A', records: ['127.0.0.1'] },
          ],
        },
      }),
      200,
    );
    // The parent delegates it, with glue.
    await expectStatus(
      admin.patch(`/api/v1/zones/${PARENT}/rrsets`, {
        data: {
          changes: [
            { name: 'kid', type: 'NS', records: [`ns1.${CHILD}`] },
            { name: 'ns1.kid', type: 'A', records: ['127.0.0.1'] },
          ],
        },
      }),
      200,
    );
  });

  test.afterAll(async () => {
    await admin?.dispose();
  });

  test('the zone page signs the child zone and shows its DNSKEY and DS lines', async ({ page }) => {
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/zones/${CHILD}`);
    await waitForHydration(page);
    const panel = page.getByTestId('dnssec-panel');
    await expect(panel.getByRole('heading', { name: 'DNSSEC' })).toBeVisible();
    await expect(panel).toContainText('not signed');
    await expect(panel.getByRole('link', { name: 'Submit DS for a delegated subdomain' })).toHaveAttribute('href', '/domains');

    // Signing asks first; Cancel changes nothing.
    await panel.getByRole('button', { name: 'Sign this zone' }).click();
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await expect(panel).toContainText('not signed');
    await panel.getByRole('button', { name: 'Sign this zone' }).click();
    await panel.getByRole('button', { name: 'Yes, sign the zone' }).click();

    const sha256 = panel.locator('[data-testid="dnssec-ds"][data-digest-type="2"]');
    await expect(sha256).toBeVisible();
    await expect(panel.locator('[data-testid="dnssec-ds"][data-digest-type="4"]')).toBeVisible();
    await expect(panel.getByTestId('dnssec-algorithm')).toHaveText('13 ECDSAP256SHA256');
    dsLine = (await sha256.textContent())!.trim();
    dnskeyLine = (await panel.getByTestId('dnssec-dnskey').textContent())!.trim();
    keyTag = Number((await panel.getByTestId('dnssec-key-tag').textContent())!.trim());
    expect(dsLine).toMatch(/^kid\.ds-parent\.test\.\s.*\bDS\s+\d+\s+13\s+2\s+[0-9A-F]{64}$/i);
    expect(dnskeyLine).toMatch(/\bDNSKEY\s+257\s+3\s+13\s+/);
    expect(dsData(dsLine).split(' ')[0]).toBe(String(keyTag));

    // Stopping asks first and warns about the DS at the parent; this test keeps the zone signed.
    await panel.getByRole('button', { name: 'Stop signing' }).click();
    await expect(panel.getByRole('alert')).toContainText('bogus');
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await expect(panel.getByRole('button', { name: 'Stop signing' })).toBeVisible();
    await snap(page, 'ds-zone-dnssec');
  });

  test('the DS line from the panel is checked, added, valid and served at the delegation', async ({ page }) => {
    expect(dsLine, 'the signing test ran first').not.toBe('');
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domains', exact: true }).click();
    await expect(page).toHaveURL(/\/domains$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Domains' })).toBeVisible();
    await waitForHydration(page);

    // Without the trailing dot: the server normalizes.
    await page.getByLabel('Domain name', { exact: true }).fill(CHILD_SHOWN);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Domain ${CHILD_SHOWN} added` })).toBeVisible();
    const row = page.getByTestId('domains-table').getByRole('row').filter({ hasText: CHILD_SHOWN });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('parent zone ds-parent.test (delegated)');
    await snap(page, 'ds-domains');

    // The same domain with the dot is the same domain: refused, with the reason.
    await page.getByLabel('Domain name', { exact: true }).fill(CHILD);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.locator('#domain-name-error, .alert-error').filter({ hasText: /\S/ }).first()).toBeVisible();
    await expect(page.getByTestId('domains-table').getByRole('row').filter({ hasText: CHILD_SHOWN })).toHaveCount(1);

    await row.getByRole('link', { name: CHILD_SHOWN }).click();
    await expect(page).toHaveURL(/\/domains\/kid\.ds-parent\.test\.?$/);
    await expect(page.getByTestId('domain-name')).toHaveText(CHILD_SHOWN);
    await expect(page.getByTestId('domain-publication')).toContainText('served by Zonekeeper in zone ds-parent.test');
    await expect(page.getByText('No DS records yet.')).toBeVisible();
    await waitForHydration(page);

    // Check: nothing stored, the record as computed and its state.
    await page.getByRole('tab', { name: 'DS line' }).click();
    await page.getByLabel('DS record', { exact: true }).fill(dsLine);
    await addForm(page).getByRole('button', { name: 'Check', exact: true }).click();
    const check = page.getByTestId('ds-check-result');
    await expect(check).toContainText('nothing was stored');
    await expect(check.getByTestId('ds-answer-state')).toHaveText('valid');
    expect(dsData((await check.getByTestId('ds-computed').textContent())!)).toBe(dsData(dsLine));
    await expect(page.getByText('No DS records yet.')).toBeVisible();

    // Add: stored, valid; after a re-check it is served by the parent.
    await addForm(page).getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByTestId('ds-added').getByTestId('ds-answer-state')).toHaveText('valid');
    await expect(dsRows(page)).toHaveCount(1);
    await page.getByRole('button', { name: 'Re-check now' }).click();
    await expect(page.getByRole('button', { name: 'Re-check now' })).toBeEnabled();
    const stored = dsRows(page).first();
    await expect(stored).toHaveAttribute('data-state', 'valid');
    await expect(stored.locator('td[data-label="Key tag"]')).toHaveText(String(keyTag));
    await expect(stored.locator('td[data-label="Algorithm"]')).toHaveText('13 ECDSAP256SHA256');
    await expect(stored.locator('td[data-label="Digest type"]')).toHaveText('2 SHA-256');
    await expect(stored.locator('td[data-label="Published"]')).toHaveText('yes');
    await expect(stored.locator('td[data-label="Checked"]')).toContainText('UTC');
    const digest = dsData(dsLine).split(' ')[3];
    await expect(stored.locator('.ds-digest')).toHaveAttribute('title', digest);

    // The list counts it as valid; the page works without the trailing dot too.
    await page.goto('/domains');
    const listed = page.getByTestId('domains-table').getByRole('row').filter({ hasText: CHILD_SHOWN });
    await expect(listed.locator('td[data-label="DS records"]')).toHaveText('1');
    await expect(listed.locator('td[data-label="Valid"]')).toHaveText('1');
    await page.goto(`/domains/${CHILD_SHOWN}`);
    await expect(page.getByTestId('domain-name')).toHaveText(CHILD_SHOWN);
    await expect(dsRows(page)).toHaveCount(1);
    await snap(page, 'ds-domain');
  });

  test('a DS computed from the DNSKEY equals the panel; a wrong digest is a mismatch unless pre-published', async ({ page }) => {
    expect(dsLine, 'the signing test ran first').not.toBe('');
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/domains/${CHILD}`);
    await waitForHydration(page);

    // From the DNSKEY: the computed DS is the one the zone page shows.
    await page.getByRole('tab', { name: 'DNSKEY' }).click();
    await page.getByLabel('DNSKEY record', { exact: true }).fill(dnskeyLine);
    await page.getByLabel('Digest to compute', { exact: true }).selectOption('2');
    await addForm(page).getByRole('button', { name: 'Check', exact: true }).click();
    const computed = page.getByTestId('ds-check-result').getByTestId('ds-computed');
    await expect(computed).toBeVisible();
    expect(dsData((await computed.textContent())!)).toBe(dsData(dsLine));
    await expect(page.getByTestId('ds-check-result').getByTestId('ds-answer-state')).toHaveText('valid');

    // A changed digest matches no key: refused, with the reason at the field, nothing stored.
    await page.getByRole('tab', { name: 'DS line' }).click();
    const wrong = withChangedDigest(dsLine);
    await page.getByLabel('DS record', { exact: true }).fill(wrong);
    await addForm(page).getByRole('button', { name: 'Add', exact: true }).click();
    await expect(addForm(page).locator('.field-error').filter({ hasText: /mismatch/i })).toBeVisible();
    await expect(dsRows(page)).toHaveCount(1);
    const prePublish = page.getByLabel('This is a pre-publication during a key rollover: store it as pending');
    await expect(prePublish).toBeVisible();
    await snap(page, 'ds-mismatch');

    // Confirmed as a pre-publication: stored as pending.
    await prePublish.check();
    await addForm(page).getByRole('button', { name: 'Add as pending' }).click();
    await expect(page.getByTestId('ds-added').getByTestId('ds-answer-state')).toHaveText('pending');
    await expect(dsRows(page)).toHaveCount(2);
    const pending = page.locator('[data-testid="ds-table"] tbody tr[data-state="pending"]');
    await expect(pending).toHaveCount(1);
    await expect(pending.locator('.ds-state')).toHaveText('pending');
    await expect(pending.locator('.ds-digest')).toHaveAttribute('title', dsData(wrong).split(' ')[3]);

    // A key tag no key of the child has: no-key, at the digest field of the fields form.
    await page.getByRole('tab', { name: 'Key tag and digest' }).click();
    await page.getByLabel('Key tag', { exact: true }).fill(String((keyTag + 1) % 65536));
    await page.getByLabel('Algorithm', { exact: true }).selectOption('13');
    await page.getByLabel('Digest type', { exact: true }).selectOption('2');
    await page.getByLabel('Digest', { exact: true }).fill(dsData(dsLine).split(' ')[3]);
    await addForm(page).getByRole('button', { name: 'Add', exact: true }).click();
    await expect(addForm(page).locator('.field-error').filter({ hasText: /no-key/i })).toBeVisible();
    await expect(page.getByLabel('This is a pre-publication during a key rollover: store it as pending')).toBeVisible();
    await expect(dsRows(page)).toHaveCount(2);

    // A bad digest is refused in the browser by the engine's rules, next to the field.
    await page.getByLabel('Digest', { exact: true }).fill('XYZ');
    await addForm(page).getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('#ds-digest + .field-error, #ds-digest ~ .field-error').first()).toBeVisible();

    // Delete the pending row, after confirming.
    await pending.getByRole('button', { name: 'Delete' }).click();
    await pending.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(dsRows(page)).toHaveCount(1);
    await expect(dsRows(page).first()).toHaveAttribute('data-state', 'valid');
  });

  test('a registrar domain exports its lines; markup in a name is refused and shown as text', async ({ page }) => {
    const registrar = `e2e-${unique()}.example`;
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/domains');
    await waitForHydration(page);

    await page.getByLabel('Domain name', { exact: true }).fill(`${registrar}.`);
    await page.getByRole('button', { name: 'Add domain' }).click();
    const row = page.getByTestId('domains-table').getByRole('row').filter({ hasText: registrar });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('registrar');
    await row.getByRole('link', { name: registrar }).click();
    await expect(page.getByTestId('domain-publication')).toContainText('recorded for the hand-off to your registrar');
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Export' }).click();
    await expect(page.getByTestId('ds-export')).toContainText(`; DS records of ${registrar}.`);

    // Markup: refused by the server, its message shown as text, nothing executed.
    await page.goto('/domains');
    await waitForHydration(page);
    const evil = '<script>alert(1)</script>.example';
    await page.getByLabel('Domain name', { exact: true }).fill(evil);
    await page.getByRole('button', { name: 'Add domain' }).click();
    const error = page.locator('#domain-name-error, .alert-error').filter({ hasText: /\S/ }).first();
    await expect(error).toBeVisible();
    expect(await page.locator('script').evaluateAll((s) => s.filter((e) => e.textContent?.includes('alert(1)')).length)).toBe(0);
    await expect(page.getByTestId('domains-table').getByRole('row').filter({ hasText: 'script' })).toHaveCount(0);

    // A customer may not give a domain to someone else (403 with the reason, next to the form).
    const customer = `e2e-ds-${unique()}@example.com`;
    const customerPassword = `pw-${unique()}-${unique()}`;
    await expectStatus(
      admin.post('/api/v1/users', { data: { email: customer, role: 'customer', password: customerPassword } }),
      201,
    );
    const alice = await apiSession(customer, customerPassword);
    const refused = await alice.post('/api/v1/domains', { data: { name: `x-${registrar}`, owner: ADMIN_EMAIL } });
    expect(refused.status()).toBe(403);
    await alice.dispose();
    await page.context().clearCookies();
    await logIn(page, customer, customerPassword);
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/domains');
    await waitForHydration(page);
    // No owner field for customers.
    await expect(page.getByLabel('Owner email (optional)')).toHaveCount(0);
    await expect(page.getByText('You have no domains yet.')).toBeVisible();
    // Someone else's zone: the server refuses with its reason.
    await page.getByLabel('Domain name', { exact: true }).fill(`sub.${CHILD_SHOWN}`);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.locator('.alert-error')).toContainText('another account');
  });
});
