/**
 * The browser side of the dashboard's end-to-end tests: Debian's Chromium driven by playwright-core
 * (installed with apt when missing, as root), axe-core run inside the page, and screenshots saved as test
 * artifacts under test-artifacts/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBinary, requireIntegrationTier } from '@stevedore/testkit';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const screenshotDir = join(repoRoot, 'test-artifacts', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  requireIntegrationTier('Chromium');
  const executablePath = await ensureBinary('chromium', 'chromium');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

export interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and answers its serious and critical violations. The script is evaluated
 * over the DevTools protocol, which the page's CSP does not govern (a <script> tag would be refused).
 */
export async function seriousA11yViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<
    Violation[]
  >(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
