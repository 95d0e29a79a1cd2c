/**
 * The Docker pages end to end: Chromium against a real controller whose Docker API proxy points at a
 * private single-node swarm engine (testkit). The administrator places the node in /Shared/dev, gives a
 * team Full Control there, and has the engine refuse a Demote of its last manager, with the reason shown; a
 * team member creates a service, sees its tasks and logs, scales it, has a create elsewhere refused with
 * the reason, updates its image, stops a container and removes it, and removes the service; a View Only
 * user sees the service but no create, scale or remove buttons. Each page is screenshotted and checked
 * with axe-core.
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

const IMAGE = 'stevedore/busybox:test';
/** The same image under a second tag, made on the engine, for the image update. */
const IMAGE_V2 = 'stevedore/busybox:v2';
const PASSWORD = 'a-password-for-tests';
const SLOW = { timeout: 90_000 };

describe('Docker pages in Chromium against a controller with a swarm engine', { timeout: 900_000 }, () => {
  let engine: DockerEngine;
  let controller: TestController;
  let browser: Browser;
  let page: Page;
  let d: DashboardDriver;

  const step = screenshotStep(() => d);
  const as = async (user: string, password: string) => {
    if (await page.getByRole('button', { name: 'Log out' }).count()) {
      await page.getByRole('button', { name: 'Log out' }).click();
    }
    await d.heading('Log in to Stevedore');
    await d.logIn(user, password);
  };
  const button = (name: string | RegExp) => page.getByRole('button', { name });
  const details = () => page.getByRole('region', { name: 'Details' });
  /** Engine API calls as `user` through the controller's Docker proxy, outside the browser page. */
  const apiAs = async (user: string) => {
    const login = await page.request.post(`${controller.url}/auth/login`, {
      data: { username: user, password: PASSWORD },
    });
    assert.equal(login.status(), 200, await login.text());
    const { auth_token } = (await login.json()) as { auth_token: string };
    return { authorization: `Bearer ${auth_token}` };
  };

  before(async () => {
    await ensureDashboardBuilt();
    engine = await startDockerEngine({ swarm: true });
    await buildTestImage(engine, IMAGE);
    controller = await startTestController({ dockerHost: engine.host });
    browser = await launchChromium();
    ({ page, d } = await openDashboard(browser, controller.url, 30_000));
    await d.open('/');
  });
  after(async () => {
    await browser?.close();
    await controller?.close();
    await engine?.stop();
  });

  step('the administrator sets up accounts, a team, a collection and grants', async () => {
    await as('admin', ADMIN_PASSWORD);
    await d.nav('Users', 'Users');
    for (const name of ['alice', 'bob']) {
      await page.getByLabel('User name').fill(name);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await button('Create user').click();
      await page.getByText(`Created user ${name}.`).waitFor();
    }
    await d.nav('Orgs & teams', 'Orgs & teams');
    await page.getByLabel('Org name').fill('acme');
    await button('Create org').click();
    await page.getByRole('link', { name: 'acme', exact: true }).click();
    await page.getByLabel('Team name').fill('devs');
    await button('Create team').click();
    await page.getByRole('link', { name: 'devs', exact: true }).click();
    await d.heading('Team acme/devs');
    await page.getByLabel('User to add').fill('alice');
    await button('Add member').click();
    await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    await d.nav('Collections', 'Collections');
    await page.getByLabel('Collection path').fill('/Shared/dev');
    await button('Create collection').click();
    await page.getByRole('cell', { name: '/Shared/dev', exact: true }).waitFor();
    await d.nav('Grants', 'Grants');
    const form = page.getByRole('region', { name: 'Create a grant' });
    for (const [kind, id, role] of [
      ['team', 'acme/devs', 'full-control'],
      ['user', 'bob', 'view-only'],
    ] as const) {
      await form.getByLabel('Subject kind').selectOption(kind);
      await form.getByLabel('Subject', { exact: true }).fill(id);
      await form.getByLabel('Role').selectOption(role);
      await form.getByLabel('Collection').selectOption('/Shared/dev');
      await form.getByRole('button', { name: 'Create grant' }).click();
      await d.row(`${kind} ${id}`, role, '/Shared/dev').waitFor();
    }
  });

  step('the administrator places the node in /Shared/dev from its page', async () => {
    await d.nav('Nodes', 'Nodes');
    await page.getByText('Live: changes appear as they happen.').waitFor();
    await d.row('ready').waitFor();
    await d.check('nodes');
    await page
      .getByRole('region', { name: 'Swarm nodes' })
      .getByRole('table')
      .getByRole('link')
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: /^Node / }).waitFor();
    // This engine was not joined through `stevedore join`: no agent reports from it, and the page says so.
    await page
      .getByRole('region', { name: 'Stevedore agent' })
      .getByText(/did not join through stevedore join/)
      .waitFor();
    await page.getByLabel('Label value').fill('/Shared/dev');
    await button('Set label').click();
    await page.getByRole('cell', { name: '/Shared/dev', exact: true }).waitFor();
    await button('Drain').click();
    await page.getByText('Node updated.').waitFor();
    await button('Activate').click();
    await button('Drain').waitFor();
    await d.check('node');
    await d.nav('Overview', 'Overview');
    await page.getByRole('link', { name: '1 ready' }).waitFor();
    await page.getByRole('table', { name: /Node CPU and memory/ }).waitFor();
    await d.check('overview-docker');
  });

  step('the administrator copies the join command for a node, and replaces the worker token', async () => {
    await d.nav('Nodes', 'Nodes');
    const section = page.getByRole('region', { name: 'Add a node' });
    const command = section.getByLabel('Command to join as a worker');
    await command.waitFor();
    const before = await command.inputValue();
    assert.match(
      before,
      new RegExp(`^stevedore join --token SDTKN-1-[0-9a-f]{64}-[0-9a-f]{40} ${controller.url}$`),
    );
    await section.getByLabel('Join as', { exact: true }).selectOption('manager');
    const manager = await section.getByLabel('Command to join as a manager').inputValue();
    assert.notEqual(manager, before, 'the manager token is another');
    await section.getByLabel('Join as', { exact: true }).selectOption('worker');
    await section.getByRole('button', { name: 'Replace the worker token' }).click();
    await section.getByText('Replaced the worker token: the old one is refused from now on.').waitFor();
    // The command shows the new token once the tokens are read again.
    for (let i = 0; (await command.inputValue()) === before; i++) {
      assert.ok(i < 100, 'the command still shows the replaced token after 10 s');
      await page.waitForTimeout(100);
    }
    await d.check('nodes-add-node');
  });

  step('the administrator sees the Store the managers share: its kind, quorum and members', async () => {
    await d.nav('Nodes', 'Nodes');
    const section = page.getByRole('region', { name: 'Managers and Store' });
    await section.getByText(/^Embedded (sqlite|memory) store: quorum\. one embedded/).waitFor();
    await section
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: 'local', exact: true }) })
      .filter({ has: page.getByRole('cell', { name: 'leader', exact: true }) })
      .waitFor();
    await d.check('nodes-store');
  });

  step("Demote on the last manager is refused with the engine's reason; Promote is not offered", async () => {
    await d.nav('Nodes', 'Nodes');
    await page
      .getByRole('region', { name: 'Swarm nodes' })
      .getByRole('table')
      .getByRole('link')
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: /^Node / }).waitFor();
    await details().getByText('manager (leader)', { exact: true }).waitFor();
    await button('Demote to worker').waitFor();
    assert.equal(await button('Promote to manager').count(), 0);
    await button('Demote to worker').click();
    await page
      .getByRole('alert')
      .filter({ hasText: /attempting to demote the last manager of the swarm/ })
      .waitFor();
    await details().getByText('manager (leader)', { exact: true }).waitFor();
    await d.check('node-demote-refused');
  });

  step('a team member creates a service and sees its tasks and logs', async () => {
    await as('alice', PASSWORD);
    await d.nav('Services', 'Services');
    await page.getByText('No services are visible to you.').waitFor();
    await button('Create service').click();
    await page.getByLabel('Service name').fill('hello-web');
    await page.getByLabel('Image', { exact: true }).fill(IMAGE);
    await page.getByLabel('Command').fill(`sh -c 'echo hello; sleep 1000'`);
    await page.getByLabel('Collection').fill('/Shared/dev');
    await d.check('service-create');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await d.heading('Service hello-web');
    await page.getByText('1 running of 1').waitFor(SLOW);
    await page
      .getByRole('log', { name: 'Logs of service hello-web' })
      .getByText('hello')
      .first()
      .waitFor(SLOW);
    await d.row('hello-web.1').waitFor();
    await d.check('service');
  });

  step('scales the service to 2, and sees its containers', async () => {
    await page.getByLabel('Replicas').fill('2');
    await button('Scale').click();
    await page.getByText('2 running of 2').waitFor(SLOW);
    await d.nav('Containers', 'Containers');
    await page.getByText('2 containers').waitFor(SLOW);
    await d.check('containers');
    await page
      .getByRole('table')
      .getByRole('link', { name: /^hello-web\.1\./ })
      .click();
    await page.getByRole('heading', { level: 1, name: /^Container hello-web\.1\./ }).waitFor();
    await page.getByRole('log').getByText('hello').first().waitFor(SLOW);
    await page
      .getByRole('region', { name: /Inspect output/ })
      .getByText('"Image"')
      .first()
      .waitFor();
    await d.check('container');
  });

  step('explains a refused create: no grant on the collection', async () => {
    await d.nav('Services', 'Services');
    await button('Create service').click();
    await page.getByLabel('Service name').fill('elsewhere');
    await page.getByLabel('Image', { exact: true }).fill(IMAGE);
    await page.getByLabel('Collection').fill('/Shared');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^Refused: access denied by Stevedore/ })
      .waitFor();
    await d.check('service-create-refused');
  });

  step('updates the service image from its page, and a task with the new image runs', async () => {
    await engine.docker(['tag', IMAGE, IMAGE_V2]);
    await d.nav('Services', 'Services');
    await page.getByRole('link', { name: 'hello-web', exact: true }).click();
    await d.heading('Service hello-web');
    await page.getByLabel('New image').fill(IMAGE_V2);
    await button('Update image').click();
    await page.getByText(`Updating to ${IMAGE_V2}.`).waitFor();
    await details().getByText(IMAGE_V2, { exact: true }).waitFor();
    await details()
      .getByText(/^completed\b/)
      .waitFor(SLOW);
    await details().getByText('2 running of 2').waitFor(SLOW);
    await d.check('service-image-updated');
    await d.row('hello-web.1').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /^Container hello-web\.1\./ }).waitFor();
    await details().getByText(IMAGE_V2, { exact: true }).waitFor();
    await details().getByText('running', { exact: true }).waitFor();
    await d.check('container-updated-image');
  });

  step('stops a running container from its page, and sees it exited', async () => {
    const headers = await apiAs('alice');
    const created = await page.request.post(
      `${controller.url}/api/docker/v1.41/containers/create?name=scratchpad`,
      {
        headers,
        data: {
          Image: IMAGE,
          Cmd: ['sleep', '1000'],
          StopSignal: 'SIGKILL', // sleep as PID 1 ignores SIGTERM: no 10 s wait for the stop
          Labels: { 'io.stevedore.collection': '/Shared/dev' },
          HostConfig: { NetworkMode: 'none' }, // no veth: Chromium aborts requests when interfaces appear
        },
      },
    );
    assert.equal(created.status(), 201, await created.text());
    const { Id } = (await created.json()) as { Id: string };
    const started = await page.request.post(`${controller.url}/api/docker/v1.41/containers/${Id}/start`, {
      headers,
    });
    assert.equal(started.status(), 204, await started.text());
    await d.nav('Containers', 'Containers');
    await d.row('scratchpad').getByText('running', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'scratchpad', exact: true }).click();
    await d.heading('Container scratchpad');
    await details().getByText('running', { exact: true }).waitFor();
    await button('Stop container scratchpad').click();
    await button('Confirm: Stop container scratchpad').click();
    await details().getByText('exited (exit code 137)').waitFor();
    assert.equal(await button('Stop container scratchpad').count(), 0);
    await d.check('container-stopped');
  });

  step('removes the stopped container from the list, and it disappears', async () => {
    await page.getByRole('link', { name: 'All containers' }).click();
    await d.heading('Containers');
    await page.getByLabel('Show').selectOption('Stopped');
    const row = d.row('scratchpad');
    await row.getByText('exited', { exact: true }).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Stop container scratchpad' }).count(), 0);
    await d.check('containers-stopped');
    await button('Remove container scratchpad').click();
    await button('Confirm: Remove container scratchpad').click();
    await row.waitFor({ state: 'detached' });
    await d.check('containers-removed');
  });

  step('a View Only user sees the service, but no create, scale or remove buttons', async () => {
    await as('bob', PASSWORD);
    await d.nav('Services', 'Services');
    await page.getByRole('link', { name: 'hello-web', exact: true }).click();
    await d.heading('Service hello-web');
    await d.row('hello-web.2').waitFor();
    // Shown once the grants have loaded: from then on the buttons' absence means something.
    await page.getByText(/Reading this service's logs needs/).waitFor();
    for (const name of ['Scale', 'Update image', /^Remove/]) assert.equal(await button(name).count(), 0);
    await d.check('service-view-only');
    await d.nav('Services', 'Services');
    await d.row('hello-web').waitFor();
    assert.equal(await button('Create service').count(), 0);
    await d.check('services-view-only');
  });

  step(
    'the list follows the event stream: a service made elsewhere comes and goes without a reload',
    async () => {
      await page.getByText('Live: changes appear as they happen.').waitFor();
      const headers = await apiAs('alice');
      const created = await page.request.post(`${controller.url}/api/docker/v1.41/services/create`, {
        headers,
        data: {
          Name: 'from-cli',
          Labels: { 'io.stevedore.collection': '/Shared/dev' },
          TaskTemplate: { ContainerSpec: { Image: IMAGE, Args: ['sleep', '1000'] } },
          Mode: { Replicated: { Replicas: 0 } },
        },
      });
      assert.equal(created.status(), 201, await created.text());
      const row = d.row('from-cli');
      // No polling on this list: only an event refetches it, so however long it takes, it came by the
      // event stream (the bound covers an engine round trip and a refetch on a loaded machine).
      await row.waitFor({ timeout: 60_000 });
      const { ID } = (await created.json()) as { ID: string };
      const removed = await page.request.delete(`${controller.url}/api/docker/v1.41/services/${ID}`, {
        headers,
      });
      assert.equal(removed.status(), 200);
      await row.waitFor({ state: 'detached', timeout: 60_000 });
    },
  );

  step('the team member removes the service', async () => {
    await as('alice', PASSWORD);
    await d.nav('Services', 'Services');
    await page.getByRole('link', { name: 'hello-web', exact: true }).click();
    await button('Remove service hello-web').click();
    await button('Confirm: Remove service hello-web').click();
    await d.heading('Services');
    await page.getByText('No services are visible to you.').waitFor();
    await d.check('services-empty');
  });

  it('ran without a CSP violation or an uncaught error in the page', () => {
    // Streams (events, logs) are aborted on purpose when their page closes.
    const errors = d.pageErrors.filter(
      (e) => !/\/api\/docker\/v1\.41\/\S*(events|logs)\S*: net::ERR_ABORTED/.test(e),
    );
    assert.deepEqual(d.cspViolations, []);
    assert.deepEqual(errors, []);
  });
});
