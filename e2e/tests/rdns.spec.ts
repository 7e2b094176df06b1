// Reverse DNS as a hosting customer uses it: see their range with its default names, set a PTR
// inline and see it pass FCrDNS, see a PTR that does not resolve back refused with the reason
// next to the field, and set several at once with the bulk editor (preview, then apply). And
// the admin side: create a reverse zone, with the server's message for a bad template.
//
// The provider side is set up through the API as the admin: the forward zone of the default
// names (example.net), the reverse zone 203.0.113.0/24, a customer with a /28 of it, and the
// customer's own forward zone. Only hosted names are used: the e2e server resolves other names
// through the machine's resolver, which may have no network.
//
// Screenshots: rdns-range.png, rdns-strict.png, rdns-bulk-preview.png, rdns-zone-badge.png,
// admin-reverse-dns.png.
import { test, expect, type APIRequestContext } from '@playwright/test';
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


test.beforeAll(requireAdminAccount);

failOnPageErrorsAndDialogs();


// One /28 of 203.0.113.0/24 per run, so that runs against the same database do not collide.
const block = 16 * Math.floor(Math.random() * 16);
const network = `203.0.113.${block}/28`;
const ip = (n: number) => `203.0.113.${block + n}`;
const rowId = (address: string) => `rdns-row-${address.replace(/[.:]/g, '-')}`;
const customer = `e2e-rdns-${unique()}@example.com`;
const customerPassword = `pw-${unique()}-${unique()}`;
const zone = `e2e-${unique()}.example`;

test.describe.serial('reverse DNS', () => {
  let admin: APIRequestContext;
  let alice: APIRequestContext;

  test.beforeAll(async () => {
    admin = await apiSession(ADMIN_EMAIL, ADMIN_PASSWORD);
    // Strict FCrDNS (the default) is what the refusal below is about.
    const settings = await (await admin.get('/api/v1/settings')).json();
    if (settings.fcrdns_policy !== 'strict') {
      await expectStatus(admin.put('/api/v1/settings', { data: { ...settings, fcrdns_policy: 'strict' } }), 200);
    }
    await expectStatus(admin.post('/api/v1/zones', { data: { name: 'example.net' } }), 201, 409);
    await expectStatus(
      admin.post('/api/v1/reverse-zones', {
        data: { network: '203.0.113.0/24', template: 'static.{ip-reversed}.clients.example.net' },
      }),
      201,
      409,
    );
    await expectStatus(
      admin.post('/api/v1/users', { data: { email: customer, role: 'customer', password: customerPassword } }),
      201,
    );
    await expectStatus(admin.post('/api/v1/ranges', { data: { network, owner: customer } }), 201);

    alice = await apiSession(customer, customerPassword);
    await expectStatus(alice.post('/api/v1/zones', { data: { name: zone } }), 201);
    await expectStatus(
      alice.patch(`/api/v1/zones/${zone}/rrsets`, {
        data: {
          changes: [
            { name: 'mail', type: 'A', records: [ip(5)] },
            { name: 'web', type: 'A', records: [ip(7)] },
            { name: `h-${ip(8).replace(/\./g, '-')}`, type: 'A', records: [ip(8)] },
            { name: `h-${ip(9).replace(/\./g, '-')}`, type: 'A', records: [ip(9)] },
          ],
        },
      }),
      200,
    );
  });

  test.afterAll(async () => {
    await admin?.dispose();
    await alice?.dispose();
  });

  test('the customer sets PTRs inline; FCrDNS decides', async ({ page }) => {
    await logIn(page, customer, customerPassword);
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reverse DNS', exact: true }).click();
    await expect(page).toHaveURL(/\/rdns$/);
    await waitForHydration(page);

    // The range, with its reverse zone and size; choosing it shows every address.
    const ranges = page.getByTestId('ranges-table');
    const rangeRow = ranges.getByRole('row').filter({ hasText: network });
    await expect(rangeRow).toContainText('113.0.203.in-addr.arpa.');
    await expect(rangeRow).toContainText('16');
    await rangeRow.getByRole('link', { name: network }).click();
    await expect(page).toHaveURL(/\/rdns\?range=/);
    const table = page.getByTestId('rdns-table');
    await expect(table.getByRole('row')).toHaveCount(17); // header + 16 addresses
    const first = page.getByTestId(rowId(ip(0)));
    await expect(first).toContainText(`static.${block}.113.0.203.clients.example.net.`);
    await expect(first.getByText('default', { exact: true })).toBeVisible();
    await snap(page, 'rdns-range');

    // A name that resolves back to the address: stored, FCrDNS pass.
    const mail = page.getByTestId(rowId(ip(5)));
    await mail.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel(`PTR for ${ip(5)}`).fill(`mail.${zone}`);
    await mail.getByRole('button', { name: 'Save' }).click();
    await expect(mail).toContainText(`mail.${zone}.`);
    await expect(mail.locator('.fcrdns-pass')).toHaveText('pass');
    await expect(mail.getByText('default', { exact: true })).toHaveCount(0);
    await expect(mail.getByRole('button', { name: 'Revert to default' })).toBeVisible();

    // The same name for another address: strict policy refuses it, saying why, next to the field.
    const six = page.getByTestId(rowId(ip(6)));
    await six.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel(`PTR for ${ip(6)}`).fill(`mail.${zone}`);
    await six.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator(`#ptr-${ip(6).replace(/\./g, '-')}-error`)).toHaveText(
      `FCrDNS fails: mail.${zone}. resolves to ${ip(5)}, not ${ip(6)}`,
    );
    await snap(page, 'rdns-strict');
    const stored = await (await alice.get(`/api/v1/rdns/${ip(6)}`)).json();
    expect(stored.ptr).toBeNull();
    await six.getByRole('button', { name: 'Cancel' }).click();
    await expect(six.getByText('default', { exact: true })).toBeVisible();

    // The zone editor shows that mail's address points back at it.
    await page.goto(`/zones/${zone}`);
    await waitForHydration(page);
    const mailRecord = page.getByTestId('rrsets-table').getByRole('row').filter({ hasText: ip(5) });
    await expect(mailRecord.getByText('PTR ✓')).toBeVisible();
    const webRecord = page.getByTestId('rrsets-table').getByRole('row').filter({ hasText: ip(7) });
    await expect(webRecord).toContainText(`PTR → static.${block + 7}.113.0.203.clients.example.net.`);
    await snap(page, 'rdns-zone-badge');
  });

  test('the customer previews and applies a bulk edit', async ({ page }) => {
    await logIn(page, customer, customerPassword);
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/rdns?range=${encodeURIComponent(network)}`);
    await waitForHydration(page);
    const bulk = page.getByTestId('bulk-editor');
    const lines = bulk.getByLabel('Lines', { exact: true });

    // A line that is not `ip,hostname` is caught before anything is sent.
    await lines.fill('just one field');
    await bulk.getByRole('button', { name: 'Preview' }).click();
    await expect(bulk.getByTestId('bulk-local-errors')).toContainText('line 1');
    await expect(bulk.getByTestId('bulk-preview')).toHaveCount(0);

    // The pattern fill writes one line per address of the span.
    await bulk.getByLabel('From', { exact: true }).fill(ip(8));
    await bulk.getByLabel('To', { exact: true }).fill(ip(9));
    await bulk.getByLabel('Pattern', { exact: true }).fill(`h-{ip}.${zone}`);
    await bulk.getByRole('button', { name: 'Fill lines' }).click();
    await expect(lines).toHaveValue(
      `${ip(8)},h-${ip(8).replace(/\./g, '-')}.${zone}\n${ip(9)},h-${ip(9).replace(/\./g, '-')}.${zone}`,
    );
    const generated = await lines.inputValue();

    // With a line that fails FCrDNS: the preview says which, and Apply stays off.
    await lines.fill(`${generated}\n${ip(7)},web.${zone}\n${ip(6)},mail.${zone}`);
    await bulk.getByRole('button', { name: 'Preview' }).click();
    const preview = bulk.getByTestId('bulk-preview');
    await expect(preview.getByRole('row')).toHaveCount(5);
    await expect(preview.getByRole('row').filter({ hasText: ip(6) })).toContainText('resolves to');
    await expect(preview.getByRole('row').filter({ hasText: ip(6) })).toContainText('error');
    await expect(preview.getByRole('row').filter({ hasText: ip(7) })).toContainText('ok');
    await expect(bulk.getByRole('button', { name: 'Apply' })).toBeDisabled();
    await snap(page, 'rdns-bulk-preview');

    // Editing the text drops the preview; without the bad line everything passes.
    await lines.fill(`${generated}\n${ip(7)},web.${zone}`);
    await expect(bulk.getByTestId('bulk-preview')).toHaveCount(0);
    await bulk.getByRole('button', { name: 'Preview' }).click();
    await expect(preview.getByRole('row')).toHaveCount(4);
    await expect(preview.locator('.fcrdns-pass')).toHaveCount(3);
    const stillDefault = await (await alice.get(`/api/v1/rdns/${ip(7)}`)).json();
    expect(stillDefault.ptr, 'a preview stores nothing').toBeNull();
    await bulk.getByRole('button', { name: 'Apply' }).click();
    await expect(bulk.getByText('Stored 3 line(s).')).toBeVisible();
    await expect(page.getByTestId(rowId(ip(7)))).toContainText(`web.${zone}.`);
    for (const [address, name] of [
      [ip(7), `web.${zone}.`],
      [ip(8), `h-${ip(8).replace(/\./g, '-')}.${zone}.`],
      [ip(9), `h-${ip(9).replace(/\./g, '-')}.${zone}.`],
    ]) {
      const entry = await (await alice.get(`/api/v1/rdns/${address}`)).json();
      expect(entry.ptr).toBe(name);
    }
    expect((await (await alice.get(`/api/v1/rdns/${ip(6)}`)).json()).ptr).toBeNull();

    // Revert to default: the PTR is deleted and the default name answers again.
    const web = page.getByTestId(rowId(ip(7)));
    await web.getByRole('button', { name: 'Revert to default' }).click();
    await expect(web.getByText('default', { exact: true })).toBeVisible();
    await expect(web).toContainText(`static.${block + 7}.113.0.203.clients.example.net.`);
    expect((await (await alice.get(`/api/v1/rdns/${ip(7)}`)).json()).ptr).toBeNull();
  });

  test('an IPv6 PTR is added by address; addresses of others are refused', async ({ page }) => {
    // A /48 of 2001:db8::/32 per run; its table lists only the addresses that have a PTR.
    const group = Math.floor(Math.random() * 0xffff).toString(16);
    const v6net = `2001:db8:${group}::/48`;
    const host = `2001:db8:${group}::25`;
    await expectStatus(
      admin.post('/api/v1/reverse-zones', { data: { network: '2001:db8::/32', template: '{ip}.v6.example.net' } }),
      201,
      409,
    );
    await expectStatus(admin.post('/api/v1/ranges', { data: { network: v6net, owner: customer } }), 201);
    await expectStatus(
      alice.put(`/api/v1/zones/${zone}/rrsets/v6/AAAA`, { data: { records: [host] } }),
      200,
    );

    await logIn(page, customer, customerPassword);
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/rdns?range=${encodeURIComponent(v6net)}`);
    await waitForHydration(page);
    const form = page.getByRole('form', { name: 'Add a PTR by address' });
    await form.getByLabel('Address', { exact: true }).fill(host);
    await form.getByLabel('Host name', { exact: true }).fill(`v6.${zone}`);
    await form.getByRole('button', { name: 'Add PTR' }).click();
    await expect(page.getByText(`(FCrDNS pass)`)).toBeVisible();
    const row = page.getByTestId('rdns-table').getByRole('row').filter({ hasText: `v6.${zone}.` });
    await expect(row).toHaveCount(1);
    await expect(row.locator('.fcrdns-pass')).toHaveText('pass');
    const stored = await (await alice.get(`/api/v1/rdns/${encodeURIComponent(host)}`)).json();
    expect(stored.ptr).toBe(`v6.${zone}.`);

    // Host names the engine's rules refuse are explained next to the field by the browser
    // (the same HostName rules the server applies): no request is sent, nothing is stored.
    const other = `2001:db8:${group}::26`;
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/api/v1/rdns/')) puts.push(request.url());
    });
    const ptrError = page.locator('#rdns-add-ptr-error');
    for (const [typed, rule] of [
      ['mail server.example.net', '"mail server.example.net" is not a valid host name'],
      ['192.0.2.25', 'must be a host name, not an IP address'],
      ['localhost', 'must be a fully qualified name'],
      ['host.example.123', 'the last label must not be all digits'],
    ]) {
      await form.getByLabel('Address', { exact: true }).fill(other);
      await form.getByLabel('Host name', { exact: true }).fill(typed);
      await form.getByRole('button', { name: 'Add PTR' }).click();
      await expect(ptrError).toContainText(rule);
      await expect(form.getByLabel('Host name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    }
    expect(puts).toEqual([]);
    const untouched = await alice.get(`/api/v1/rdns/${encodeURIComponent(other)}`);
    expect(untouched.status()).toBe(200);
    expect((await untouched.json()).ptr).toBeNull();

    // An address outside the customer's ranges: refused, nothing stored.
    const foreign = '2001:db8:ffff:ffff::1';
    await form.getByLabel('Address', { exact: true }).fill(foreign);
    await form.getByLabel('Host name', { exact: true }).fill(`v6.${zone}`);
    await form.getByRole('button', { name: 'Add PTR' }).click();
    await expect(page.getByRole('alert').filter({ hasText: /not found|not yours|range/i }).first()).toBeVisible();
    const refused = await alice.get(`/api/v1/rdns/${encodeURIComponent(foreign)}`);
    expect(refused.status()).toBe(404);
    await snap(page, 'rdns-ipv6');
  });

  test('the admin creates a reverse zone; a bad template is explained', async ({ page }) => {
    const octet = 1 + Math.floor(Math.random() * 250);
    const net = `198.18.${octet}.0/24`;
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'IP space', exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/reverse-dns$/);
    await waitForHydration(page);

    const form = page.getByRole('form', { name: 'Create a reverse zone' });
    await form.getByLabel('Network', { exact: true }).fill(net);
    await form.getByLabel('Default-name template', { exact: true }).fill('static.example.net');
    await form.getByRole('button', { name: 'Create reverse zone' }).click();
    await expect(page.locator('#rz-template-error')).toContainText('no placeholder');

    await form.getByLabel('Default-name template', { exact: true }).fill('host-{ip}.example.net');
    await form.getByRole('button', { name: 'Create reverse zone' }).click();
    await expect(page.getByText(`Reverse zone ${octet}.18.198.in-addr.arpa. created`)).toBeVisible();
    await expect(page.locator('#rz-template-error')).toBeEmpty();
    const row = page.getByTestId('reverse-zones-table').getByRole('row').filter({ hasText: net });
    await expect(row).toContainText('host-{ip}.example.net');
    // The customer's range from the setup is listed with its owner.
    await expect(page.getByTestId('admin-ranges-table').getByRole('row').filter({ hasText: network })).toContainText(customer);
    await snap(page, 'admin-reverse-dns');

    // Deleting asks first.
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(page.getByTestId('reverse-zones-table').getByRole('row').filter({ hasText: net })).toHaveCount(0);
  });
});
