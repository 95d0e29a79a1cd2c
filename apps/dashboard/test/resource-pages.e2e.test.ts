/**
 * Admin settings, Networks, Volumes, Secrets, Configs and Stacks end to end: Debian's Chromium against a
 * real controller whose Docker API proxy forwards to a private single-node swarm engine (testkit; never the
 * machine's daemon). The administrator changes a setting; a user with Full Control on /Shared/dev creates,
 * inspects and removes each resource and deploys and removes a stack from a compose file; a View Only user
 * sees the lists without create or remove buttons. Every page is screenshotted and checked with axe-core.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { buildTestImage, startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import { launchChromium } from './browser.js';
import { openDashboard, screenshotStep, type DashboardDriver } from './dashboard-driver.js';
import {
  ADMIN_PASSWORD,
  ensureDashboardBuilt,
  startTestController,
  type TestController,
} from './controller-harness.js';
import {
  Caller,
  DEV_COLLECTION,
  placeNode,
  seedAccounts,
  seedResources,
  waitForRunningTask,
} from './docker-fixtures.js';

const IMAGE = 'stevedore/busybox:test';
const PASSWORD = 'user-password-1';
/** Buttons that change resources, which a View Only user must not be offered. */
const CHANGE_BUTTONS = /^(Create |Remove|Deploy|Confirm)/; // not "Created", a column

describe('resource pages in Chromium against a real controller and swarm', { timeout: 900_000 }, () => {
  let engine: DockerEngine;
  let controller: TestController;
  let browser: Browser;
  let page: Page;
  let d: DashboardDriver;
  const step = screenshotStep(() => d);

  before(async () => {
    await ensureDashboardBuilt();
    engine = await startDockerEngine({ swarm: true });
    await buildTestImage(engine, IMAGE);
    controller = await startTestController({ dockerHost: engine.host });
    browser = await launchChromium();
    const opened = await openDashboard(browser, controller.url, 30_000);
    ({ page, d } = opened);
    const { context } = opened;
    const admin = await Caller.login(context.request, controller.url, 'admin', ADMIN_PASSWORD);
    await seedAccounts(admin, PASSWORD);
    await placeNode(admin);
  });
  after(async () => {
    await browser?.close();
    await controller?.close();
    await engine?.stop();
  });

  const relogin = async (user: string, password: string) => {
    if (await page.getByRole('button', { name: 'Log out' }).count()) {
      await page.getByRole('button', { name: 'Log out' }).click();
    } else await d.open('/');
    await d.heading('Log in to Stevedore');
    await d.logIn(user, password);
  };

  step('the administrator changes a setting on Admin settings and sees it saved', async () => {
    await relogin('admin', ADMIN_PASSWORD);
    await d.nav('Admin settings', 'Admin settings');
    const field = page.getByLabel('Sessions per user (sessions)');
    await field.fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/expected number to be >=1/).waitFor(); // the contract's bound, before any call
    await field.fill('7');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved\..*Sessions per user: 7 sessions/).waitFor();
    await d.check('admin-settings');
    await d.nav('Users', 'Users');
    await d.nav('Admin settings', 'Admin settings'); // read back from the server
    assert.equal(await page.getByLabel('Sessions per user (sessions)').inputValue(), '7');

    // The registry's anonymous pulls: off by default, turned on, read back, and off again.
    const anonymous = page.getByLabel(/pull public repositories without logging in/);
    assert.equal(await anonymous.isChecked(), false);
    await anonymous.check();
    await page.getByRole('button', { name: 'Save registry settings' }).click();
    await page.getByText('Anonymous pulls of public repositories are on.').waitFor();
    await d.nav('Users', 'Users');
    await d.nav('Admin settings', 'Admin settings');
    assert.equal(await page.getByLabel(/pull public repositories without logging in/).isChecked(), true);
    await page.getByLabel(/pull public repositories without logging in/).uncheck();
    await page.getByRole('button', { name: 'Save registry settings' }).click();
    await page.getByText('Anonymous pulls are off.').waitFor();
  });

  /** Create with the page's form in /Shared/dev, inspect, then remove; `fill` fills the kind's own fields. */
  const lifecycle = async (
    kind: string,
    noun: string,
    name: string,
    fill: () => Promise<unknown>,
    fact: string,
  ) => {
    await d.nav(kind, kind);
    await page.getByLabel(`${noun[0]!.toUpperCase()}${noun.slice(1)} name`).fill(name);
    await fill();
    await page.getByLabel('Collection', { exact: true }).selectOption(DEV_COLLECTION);
    await page.getByRole('button', { name: `Create ${noun}` }).click();
    await page.getByText(`Created ${noun} ${name} in ${DEV_COLLECTION}.`).waitFor();
    await d.row(name).waitFor();
    await page.getByRole('button', { name: `Inspect ${noun} ${name}` }).click();
    await page.getByRole('heading', { name: `Inspect ${noun}` }).waitFor();
    await page.locator('.facts').getByText(fact, { exact: true }).first().waitFor();
    await d.check(kind.toLowerCase());
    await page.getByRole('button', { name: `Remove ${noun} ${name}` }).click();
    await page.getByRole('button', { name: `Confirm: Remove ${noun} ${name}` }).click();
    await d.row(name).waitFor({ state: 'detached' });
  };

  step('a Full Control user creates, inspects and removes a network, volume, secret and config', async () => {
    await relogin('dev', PASSWORD);
    await lifecycle(
      'Networks',
      'network',
      'web-net',
      () => page.getByLabel('Driver').selectOption('overlay'),
      'overlay',
    );
    await lifecycle('Volumes', 'volume', 'web-data', () => Promise.resolve(), 'local');
    await lifecycle(
      'Secrets',
      'secret',
      'db-password',
      () => page.getByLabel('Data', { exact: true }).fill('s3cret'),
      DEV_COLLECTION,
    );
    await lifecycle(
      'Configs',
      'config',
      'app-config',
      () => page.getByLabel('Data', { exact: true }).fill('mode=fast'),
      'mode=fast',
    );
  });

  step('the user deploys a stack from a compose file, sees it with its service, and removes it', async () => {
    await d.nav('Stacks', 'Stacks');
    await page.getByLabel('Stack name').fill('demo');
    await page.getByLabel('Collection', { exact: true }).selectOption(DEV_COLLECTION);
    const compose = page.getByLabel('Compose file', { exact: true });
    await compose.fill('services:\n  web:\n    image: stevedore/busybox:test\n    volumes: [/:/host]\n');
    await page.getByRole('button', { name: 'Deploy stack' }).click();
    await page.getByRole('alert').filter({ hasText: 'services.web.volumes is not supported' }).waitFor();
    // The engine's ingress network is in /System, which the user cannot see: refused, with the reason.
    await compose.fill(
      `services:\n  web:\n    image: ${IMAGE}\n    networks: [outside]\nnetworks:\n  outside: { external: true, name: ingress }\n`,
    );
    await page.getByRole('button', { name: 'Deploy stack' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Not found or not visible to you: network ingress not found' })
      .waitFor();
    await compose.fill(`services:\n  web:\n    image: ${IMAGE}\n    command: sleep 1000\n`);
    await page.getByRole('button', { name: 'Deploy stack' }).click();
    await page.getByText('Deployed stack demo: 1 service(s), 1 network(s).').waitFor({ timeout: 60_000 });
    await d.row('demo').waitFor();
    await waitForRunningTask(
      await Caller.login(page.context().request, controller.url, 'dev', PASSWORD),
      'demo_web',
    );
    await page.getByRole('button', { name: 'Show stack demo' }).click();
    await page.getByRole('heading', { name: 'Stack demo' }).waitFor();
    await page.getByText('demo_web', { exact: true }).waitFor();
    await page.getByText('demo_default', { exact: true }).waitFor();
    await d.check('stacks');
    await page.getByRole('button', { name: 'Remove stack demo' }).click();
    await page.getByRole('button', { name: 'Confirm: Remove stack demo' }).click();
    await page.getByText('Removed stack demo.').waitFor({ timeout: 60_000 });
    await d.row('demo').waitFor({ state: 'detached', timeout: 60_000 }); // the network goes after the task
    await page.getByText('No stacks are visible to you.').waitFor();
  });

  step('a View Only user sees the lists without create or remove buttons', async () => {
    await seedResources(await Caller.login(page.context().request, controller.url, 'dev', PASSWORD), IMAGE);
    await relogin('viewer', PASSWORD);
    for (const [kind, name] of [
      ['Networks', 'team-net'],
      ['Volumes', 'team-data'],
      ['Secrets', 'team-secret'],
      ['Configs', 'team-config'],
      ['Stacks', 'shared'],
    ] as const) {
      await d.nav(kind, kind);
      await d.row(name).waitFor();
      assert.equal(await page.getByRole('button', { name: CHANGE_BUTTONS }).count(), 0, kind);
      await d.check(`${kind.toLowerCase()}-view-only`);
    }
    await page.getByRole('button', { name: 'Show stack shared' }).click();
    await page.getByText('shared_app', { exact: true }).waitFor();
  });

  it('ran without a CSP violation or an uncaught error in the page', () => {
    assert.deepEqual(d.cspViolations, []);
    // Leaving the Overview aborts its event stream on purpose.
    assert.deepEqual(
      d.pageErrors.filter((e) => !/\/events: net::ERR_ABORTED$/.test(e)),
      [],
    );
  });
});
