// Browser tests of the Zonekeeper console against a running server.
//
// The server is started by the caller (the project's test script creates an admin with the
// CLI, starts `zonekeeper`, and passes ZK_BASE_URL / ZK_ADMIN_EMAIL / ZK_ADMIN_PASSWORD).
// Chromium comes from Debian (`/usr/bin/chromium`): Playwright's own browser download cannot
// work on these machines, hence PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 at `npm ci`.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  outputDir: 'test-results',
  // One server, one admin account, one browser: tests run one after another.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: process.env.ZK_BASE_URL ?? 'http://127.0.0.1:8080',
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      // Without the background-networking flags Chromium keeps calling hosts that these
      // machines cannot reach, which slows every test down.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
