/**
 * The dashboard end to end: Debian's Chromium (playwright-core) against a real controller serving the
 * built dashboard. An administrator logs in, builds an org, a team, a collection and a grant; a new user
 * logs in and sees only what they may use; My profile manages tokens and bundles; the registry's pages
 * create a repository, give a team access and a service account a token, and hide a private repository
 * from a user without rights; a throttled login says how long to wait. Every main page is screenshotted
 * (test-artifacts/screenshots/) and checked with axe-core.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, screenshot } from './browser.js';
import { openDashboard, screenshotStep, type DashboardDriver } from './dashboard-driver.js';
import {
  ADMIN_PASSWORD,
  ensureDashboardBuilt,
  startTestController,
  type TestController,
} from './controller-harness.js';
import { createManyUsers, createUser } from './seed.js';

const ALICE_PASSWORD = 'alice-password-1';
const BOB_PASSWORD = 'bob-password-1';
/** Buttons that change what an administrator manages (not "Created", a column header). */
const ADMIN_BUTTONS = /^(Delete|Remove|Create [a-z]+$|Add member$)/;

// Generous: on a fresh machine before() installs Debian's chromium first.
describe('dashboard in Chromium against a real controller', { timeout: 900_000 }, () => {
  let controller: TestController;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let d: DashboardDriver;

  const step = screenshotStep(() => d);

  before(async () => {
    await ensureDashboardBuilt();
    controller = await startTestController();
    browser = await launchChromium();
    ({ context, page, d } = await openDashboard(browser, controller.url, 30_000));
  });
  after(async () => {
    await browser?.close();
    await controller?.close();
  });

  step('serves the dashboard at / with a strict CSP, and keeps API 404s as JSON', async () => {
    const res = await context.request.get(`${controller.url}/users`, { headers: { accept: 'text/html' } });
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const api = await context.request.get(`${controller.url}/api/v1/nothing`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(api.status(), 404);
    assert.match(api.headers()['content-type'] ?? '', /json/);
  });

  step('sends visitors to the login page and explains a wrong password', async () => {
    await d.open('/');
    await d.heading('Log in to Stevedore');
    await d.login('admin', 'not the password');
    await page.getByRole('alert').filter({ hasText: 'invalid username or password' }).waitFor();
    await d.check('login-error');
  });

  step('logs the administrator in to the overview with the audit log', async () => {
    await d.logIn('admin', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Audit log, last 24 hours' }).waitFor();
    await d.row('auth.login').first().waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).waitFor();
    await d.check('overview-admin');
  });

  step('creates a user', async () => {
    await d.nav('Users', 'Users');
    await page.getByLabel('User name').fill('Alice!');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('use 1-64 lowercase letters').waitFor(); // the contract's own message, before any call
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Full name').fill('Alice Liddell');
    await page.getByLabel('Password', { exact: true }).fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Created user alice.').waitFor();
    await d.row('Alice Liddell').waitFor();
    await d.check('users');
  });

  step('creates an org and a team, and adds the user to the team', async () => {
    await d.nav('Orgs & teams', 'Orgs & teams');
    await page.getByLabel('Org name').fill('acme');
    await page.getByRole('button', { name: 'Create org' }).click();
    await page.getByRole('link', { name: 'acme', exact: true }).click();
    await d.heading('Org acme');
    await page.getByLabel('Team name').fill('devs');
    await page.getByLabel('Description').fill('The developers');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('link', { name: 'devs', exact: true }).waitFor();
    await d.check('org');
    await page.getByRole('link', { name: 'devs', exact: true }).click();
    await d.heading('Team acme/devs');
    await page.getByLabel('User to add').fill('alice');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    await d.check('team');
    await d.nav('Orgs & teams', 'Orgs & teams');
    await d.row('acme').waitFor();
    await d.check('orgs');
  });

  step('creates a collection, a custom role, and a grant for the team', async () => {
    await d.nav('Collections', 'Collections');
    await page.getByLabel('Collection path').fill('/Shared/web');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByRole('cell', { name: '/Shared/web', exact: true }).waitFor();
    await d.check('collections');

    await d.nav('Roles', 'Roles');
    await page.getByLabel('Role name').fill('Log Reader');
    const service = page.getByRole('group', { name: 'service' });
    await service.getByLabel('view').check();
    await service.getByLabel('logs').check();
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('Created role Log Reader (log-reader).').waitFor();
    await d.check('roles');

    await d.nav('Grants', 'Grants');
    const form = page.getByRole('region', { name: 'Create a grant' });
    await form.getByLabel('Subject kind').selectOption('team');
    await form.getByLabel('Subject', { exact: true }).fill('acme/devs');
    await form.getByLabel('Role').selectOption('view-only');
    await form.getByLabel('Collection').selectOption('/Shared/web');
    await form.getByRole('button', { name: 'Create grant' }).click();
    await d.row('team acme/devs', 'view-only', '/Shared/web').waitFor();
    await d.check('grants');
  });

  step(
    'creates a private repository in the org, gives the team read-write, and a service account a token',
    async () => {
      await createUser(context.request, controller.url, ADMIN_PASSWORD, 'bob', BOB_PASSWORD);
      await d.nav('Repositories', 'Repositories');
      await page.getByText(/^No repositories you may see yet\./).waitFor();
      await d.check('repositories-empty');
      const create = page.getByRole('region', { name: 'Create a repository' });
      await create.getByLabel('Namespace').selectOption('acme');
      await create.getByLabel('Repository name').fill('App/Web');
      await create.getByRole('button', { name: 'Create repository' }).click();
      await create.getByText(/^use lower-case letters and digits/).waitFor(); // the contract's message, before any call
      await create.getByLabel('Repository name').fill('app/web');
      await create.getByLabel('Description', { exact: true }).fill('The web app');
      await create.getByRole('button', { name: 'Create repository' }).click();
      await d.heading('Repository acme/app/web');

      // No pushes in this test: the Tags tab says how to push the first image.
      await page.getByText('No tags yet. Push an image to this repository').waitFor();
      const registry = `${new URL(controller.url).hostname}:5443`;
      assert.equal(await page.getByLabel('Push it').inputValue(), `docker push ${registry}/acme/app/web:1.0`);
      await d.check('repository-tags');

      await page.getByRole('tab', { name: 'Permissions' }).click();
      const access = page.getByRole('form', { name: "Set a team's access" });
      await access.getByLabel('Team').selectOption('devs');
      await access.getByLabel('Access').selectOption('read-write');
      await access.getByRole('button', { name: 'Set access' }).click();
      await d.row('devs', 'read-write', 'pull and push').waitFor();
      await d.check('repository-permissions');

      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('button', { name: 'Delete repository acme/app/web' }).waitFor();
      await d.check('repository-settings');

      await d.nav('Repositories', 'Repositories');
      await d.row('acme/app/web', 'private', 'The web app').waitFor();
      await d.check('repositories');

      await d.nav('Orgs & teams', 'Orgs & teams');
      await page.getByRole('link', { name: 'acme', exact: true }).click();
      await d.heading('Org acme');
      await d.row('alice', 'no').getByRole('button', { name: 'Make admin: alice' }).waitFor();
      const createOnPush = 'Members with read-write on all of acme create repositories by pushing';
      await page.getByRole('checkbox', { name: createOnPush, checked: false }).click();
      await page.getByRole('checkbox', { name: createOnPush, checked: true }).waitFor(); // saved and read back
      const accounts = page.getByRole('form', { name: 'Create a service account in acme' });
      await accounts.getByLabel('Service account name').fill('ci');
      await accounts.getByLabel('Repository', { exact: true }).fill('app/web');
      await accounts.getByLabel('Its access').selectOption('read-write');
      await accounts.getByRole('button', { name: 'Create service account' }).click();
      await d.row('ci', 'acme+ci', 'app/web: read-write').waitFor();
      await page.getByRole('button', { name: 'Tokens of ci' }).click();
      await page.getByText('acme+ci has no tokens: it cannot log in until it has one.').waitFor();
      const tokens = page.getByRole('form', { name: 'Create a token for ci' });
      await tokens.getByLabel('Token label').fill('ci-main');
      await tokens.getByLabel('Expires').selectOption({ label: 'in 30 days' });
      await tokens.getByRole('button', { name: 'Create token' }).click();
      const secret = await page.getByLabel('Token secret').inputValue();
      assert.equal(
        await page.getByLabel('Log in to the registry with it').inputValue(),
        `docker login -u acme+ci --password-stdin ${registry}`,
      );
      await d.row('ci-main', 'registry only').waitFor();
      await d.check('org-service-accounts');

      // The token logs in to the registry's token service, with the access the form gave.
      const answer = await context.request.get(
        `${controller.url}/auth/token?service=stevedore-registry&scope=repository:acme/app/web:pull,push`,
        { headers: { authorization: `Basic ${Buffer.from(`acme+ci:${secret}`).toString('base64')}` } },
      );
      assert.equal(answer.status(), 200, await answer.text());
      const { token } = (await answer.json()) as { token: string };
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        access: { name: string; actions: string[] }[];
      };
      assert.deepEqual(
        claims.access.map((a) => [a.name, [...a.actions].sort()]),
        [['acme/app/web', ['pull', 'push']]],
      );
    },
  );

  step("shows the cluster's background jobs, with each attempt's history", async () => {
    await d.nav('Jobs', 'Jobs');
    const row = d.row('controller.renew-certificate', 'succeeded', '1 of 5').first();
    await row.waitFor();
    await row.getByRole('button', { name: /^History of controller\.renew-certificate / }).click();
    await page.getByRole('table', { name: /^Attempts of controller\.renew-certificate / }).waitFor();
    await page.getByLabel('Show').selectOption({ label: 'Failed' });
    await page.getByText('No jobs match this search and filter.').waitFor();
    await page.getByLabel('Show').selectOption({ label: 'All jobs' });
    await d.check('jobs');
  });

  step('keeps a list of 1,000+ users searchable, sortable and virtualized', async () => {
    await createManyUsers(context.request, controller.url, ADMIN_PASSWORD, 1000);
    await d.nav('Users', 'Users');
    await page.getByText('1003 users', { exact: true }).waitFor();
    const rendered = await page.locator('tbody tr:not(.spacer)').count();
    assert.ok(rendered < 80, `only the visible window is in the DOM (${rendered} rows)`);
    const region = page.getByRole('region', { name: 'users, scrollable' });
    await region.evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.getByRole('cell', { name: 'user-0999', exact: true }).waitFor();
    await page.getByRole('button', { name: 'User name' }).click();
    await page.locator('th[aria-sort="descending"]').waitFor();
    await page.getByLabel('Search users').fill('user-05');
    await page.getByText('100 of 1003 users', { exact: true }).waitFor();
    await page.getByLabel('Show').selectOption({ label: 'Administrators' });
    await page.getByText('No users match this search and filter.').waitFor();
    await page.getByLabel('Search users').fill('');
    await page.getByText('1 of 1003 users', { exact: true }).waitFor();
    await screenshot(page, 'users-1000-filtered');
  });

  step(
    'shows a non-admin user no admin navigation, no create or delete buttons, and explains a refusal',
    async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByText('You have logged out.').waitFor();
      await d.logIn('alice', ALICE_PASSWORD);
      const navigation = page.getByRole('navigation', { name: 'Main' });
      assert.equal(await navigation.getByRole('link', { name: 'Users' }).count(), 0);
      assert.equal(await page.getByRole('heading', { name: 'Audit log, last 24 hours' }).count(), 0);
      await d.check('overview-user');

      await d.nav('Grants', 'Grants');
      await d.row('team acme/devs', 'view-only', '/Shared/web').waitFor();
      assert.equal(await page.getByRole('button', { name: ADMIN_BUTTONS }).count(), 0);
      await d.nav('Orgs & teams', 'Orgs & teams');
      await d.row('acme').waitFor();
      assert.equal(await page.getByRole('button', { name: ADMIN_BUTTONS }).count(), 0);
      await d.nav('Collections', 'Collections');
      await page.getByRole('cell', { name: '/Shared/web', exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: ADMIN_BUTTONS }).count(), 0);

      await d.open('/users');
      await page.getByRole('alert').filter({ hasText: 'Refused: this needs an administrator' }).waitFor();
      await d.check('users-refused');
    },
  );

  step('My profile creates, lists and revokes an access token, and downloads a client bundle', async () => {
    await page.getByRole('banner').getByRole('link', { name: 'My profile' }).click();
    await d.heading('My profile');
    await page.getByLabel('Token label').fill('ci-deploy');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('Token secret').inputValue();
    assert.ok(secret.length >= 20);
    const me = await context.request.get(`${controller.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(me.status(), 200);
    await d.row('ci-deploy').waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download a new bundle' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.zip$/);
    await page.getByRole('cell', { name: /^[0-9a-f]{16}…$/ }).waitFor();
    await d.check('profile');

    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByLabel('Token secret').waitFor({ state: 'detached' }); // the secret is shown only once
    await page.getByRole('button', { name: 'Revoke token ci-deploy' }).click();
    await page.getByRole('button', { name: 'Confirm: Revoke token ci-deploy' }).click();
    await page.getByText('You have no access tokens.').waitFor();
    const after = await context.request.get(`${controller.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(after.status(), 401);

    // A registry-only token with an expiry: listed so, and refused by the REST API.
    await page.getByLabel('Token label').fill('registry-pull');
    await page.getByLabel('Expires').selectOption({ label: 'in 7 days' });
    await page.getByLabel('Registry only').check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const registryOnly = await page.getByLabel('Token secret').inputValue();
    await d.row('registry-pull', 'registry only', 'never').waitFor(); // never used yet
    const refused = await context.request.get(`${controller.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${registryOnly}` },
    });
    assert.equal(refused.status(), 401);
    await d.check('profile-registry-token');
  });

  step(
    'shows a team member the repository without admin buttons, and hides it from a user without rights',
    async () => {
      await d.nav('Repositories', 'Repositories');
      await d.row('acme/app/web', 'private', 'The web app').getByRole('link').click();
      await d.heading('Repository acme/app/web');
      await page.getByText('No tags yet. Push an image to this repository').waitFor();
      assert.equal(await page.getByRole('tab', { name: 'Settings' }).count(), 0);
      await page.getByRole('tab', { name: 'Permissions' }).click();
      await d.row('devs', 'read-write', 'pull and push').waitFor();
      assert.equal(await page.getByRole('button', { name: /^(Set access|Remove)/ }).count(), 0);
      await d.check('repository-member');

      await page.getByRole('button', { name: 'Log out' }).click();
      await d.logIn('bob', BOB_PASSWORD);
      await d.nav('Repositories', 'Repositories');
      await page.getByText(/^No repositories you may see yet\./).waitFor();
      assert.equal(await d.row('acme/app/web').count(), 0);
      const namespaces = await page.getByLabel('Namespace').locator('option').allTextContents();
      assert.deepEqual(namespaces, ['bob']); // only their own namespace to create in
      await d.open('/repositories/acme/app/web');
      await page.getByRole('alert').filter({ hasText: 'Not found or not visible to you' }).waitFor();
      await d.check('repository-hidden');
    },
  );

  step('says how long to wait when logins are throttled', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await d.heading('Log in to Stevedore');
    const throttled = page.getByRole('alert').filter({ hasText: /Wait \d+ seconds/ });
    // Failures count per name and per address; a few more lock this address out (2 s in this test).
    for (let attempt = 0; attempt < 8; attempt++) {
      const isLogin = (r: Request) => r.url().endsWith('/auth/login');
      const [outcome] = await Promise.all([
        Promise.race([
          page.waitForEvent('requestfinished', isLogin).then(async (r) => (await r.response())?.status()),
          page.waitForEvent('requestfailed', isLogin).then(() => 0), // see requestfailed above
        ]),
        d.login('mallory', `guess-${attempt}`),
      ]);
      if (outcome === 429) break;
    }
    await throttled.waitFor();
    assert.ok(await page.getByRole('button', { name: 'Log in' }).isDisabled());
    await screenshot(page, 'login-throttled');
  });

  it('ran without a CSP violation or an uncaught error in the page', () => {
    assert.deepEqual(d.cspViolations, []);
    assert.deepEqual(d.pageErrors, []);
  });
});
