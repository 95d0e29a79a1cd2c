/**
 * Drives the dashboard in one Chromium page for the end-to-end test: log in, follow the navigation, load
 * URLs, find rows, and check a page (screenshot + axe-core). It also records what must not happen: CSP
 * violations, uncaught errors and failed requests (except those Chromium drops for a network change).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { screenshot, seriousA11yViolations } from './browser.js';

export class DashboardDriver {
  readonly cspViolations: string[] = [];
  readonly pageErrors: string[] = [];
  /** Requests Chromium aborted with ERR_NETWORK_CHANGED (another process added a network interface). */
  networkChanges = 0;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('console', (msg) => {
      const where = msg.location();
      if (/Content Security Policy/i.test(msg.text()))
        this.cspViolations.push(`${msg.text()} (${where.url}:${where.lineNumber})`);
    });
    page.on('pageerror', (err) => this.pageErrors.push(err.message));
    page.on('requestfailed', (req) => {
      // Chromium aborts requests in flight when a network interface appears (tests that start Docker
      // engines create bridges); that is the machine, not the dashboard.
      const reason = req.failure()?.errorText ?? '';
      if (reason.includes('ERR_NETWORK_CHANGED')) this.networkChanges++;
      // Chromium (re)fetches the tab's icon around navigations, client-side ones included; loading a URL
      // (`open`) while that fetch is in flight aborts it. The icon is the browser's fetch, not the page's.
      else if (reason.includes('ERR_ABORTED') && new URL(req.url()).pathname === '/favicon.svg') return;
      else this.pageErrors.push(`${req.method()} ${req.url()}: ${reason}`);
    });
  }

  /** Screenshot and accessibility check of the page as it is now. */
  async check(name: string): Promise<void> {
    await screenshot(this.page, name);
    const violations = await seriousA11yViolations(this.page);
    assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
  }

  heading(name: string): Promise<void> {
    return this.page.getByRole('heading', { level: 1, name }).waitFor();
  }

  async nav(link: string, title: string): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: link, exact: true })
      .click();
    await this.heading(title);
  }

  /** Fills and submits the login form; what follows (an error, the overview) is the caller's to check. */
  async login(username: string, password: string): Promise<void> {
    await this.page.getByLabel('User name').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Log in' }).click();
  }

  /**
   * Logs in and waits for the overview. A login whose request Chromium dropped for a network change (the
   * form then says it could not reach the controller) is submitted again; any other refusal fails at once
   * with the form's message, instead of as a wait for an overview that cannot come.
   */
  async logIn(username: string, password: string): Promise<void> {
    const form = this.page.getByRole('heading', { level: 1, name: 'Log in to Stevedore' });
    const alert = this.page.locator('.notice-error[role="alert"]');
    for (let attempt = 1; ; attempt++) {
      const changesBefore = this.networkChanges;
      await this.login(username, password);
      const outcome = await Promise.race([
        form.waitFor({ state: 'detached' }).then(() => 'left' as const),
        alert.waitFor().then(() => 'refused' as const),
      ]);
      if (outcome === 'left') return this.heading('Overview');
      const message = (await alert.textContent()) ?? '';
      const dropped =
        this.networkChanges > changesBefore && message.includes('Could not reach the controller');
      if (!dropped || attempt === 3) throw new Error(`logging in as ${username} failed: ${message}`);
    }
  }

  /**
   * Loads a dashboard URL. Chromium restarts a navigation by itself when the machine's network changes
   * under it (a Docker engine that a test has just started adds bridges), which playwright reports as
   * "interrupted by another navigation" to the same URL: then the restarted load is awaited instead. A
   * load or stylesheet dropped with ERR_NETWORK_CHANGED is tried again, after the network settles.
   */
  async open(path: string): Promise<void> {
    const url = `${this.baseUrl}${path}`;
    let restarted = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.page.goto(url).catch(async (err: unknown) => {
          if (!(err instanceof Error && /interrupted by another navigation/.test(err.message))) throw err;
          restarted = true;
          await this.page.waitForURL(url, { waitUntil: 'load' });
        });
        await this.page.waitForFunction('document.styleSheets.length > 0', undefined, { timeout: 30_000 });
        return;
      } catch (err) {
        if (attempt === 5 || (this.networkChanges === 0 && !restarted)) throw err;
        await this.page.waitForTimeout(1_000);
      }
    }
  }

  /**
   * The table row whose cells include each of `cells`, matched exactly. A substring (`hasText`) would
   * also match other rows that merely contain it ("user bob" is in every grant of bob's), and a strict
   * locator that matches two rows fails only when the second has loaded: a race, not a check.
   */
  row(...cells: [string, ...string[]]) {
    let row = this.page.getByRole('row');
    for (const name of cells) row = row.filter({ has: this.page.getByRole('cell', { name, exact: true }) });
    return row;
  }

  /** Leaves a screenshot of a failed step and says when the machine's network changed under it. */
  async failed(step: string, err: unknown): Promise<void> {
    if (this.networkChanges > 0 && err instanceof Error) {
      const note = `\n(Chromium dropped ${this.networkChanges} requests with ERR_NETWORK_CHANGED: another process added network interfaces, e.g. a test starting Docker engines; rerun this test alone)`;
      // The test runner prints the stack, which holds the message as it was when the error was made.
      err.message += note;
      if (err.stack) err.stack = err.stack.replace(/\n/, `${note}\n`);
    }
    const name = `failed-${step.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
    await screenshot(this.page, name).catch(() => undefined);
  }
}

/** A fresh browser context and page on the dashboard at `url` (Chromium does not know the cluster CA). */
export async function openDashboard(
  browser: Browser,
  url: string,
  timeoutMs: number,
): Promise<{ context: BrowserContext; page: Page; d: DashboardDriver }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(timeoutMs);
  const page = await context.newPage();
  return { context, page, d: new DashboardDriver(page, url) };
}

/** A test step that leaves a screenshot named after it when it fails. */
export function screenshotStep(driver: () => DashboardDriver) {
  return (name: string, fn: () => Promise<void>): void =>
    void it(name, async () => {
      try {
        await fn();
      } catch (err) {
        await driver().failed(name, err);
        throw err;
      }
    });
}
