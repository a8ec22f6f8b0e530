/**
 * GraphiQL in a real browser: Debian's Chromium, driven by playwright-core, opens the page of a
 * server holding the demo cluster, with every request to anything but 127.0.0.1 refused. It runs a
 * query, starts a subscription, sees an event of a write made over HTTP appear, and leaves a
 * screenshot in `test/artifacts/`. Without Chromium the tests skip, except under CI, where they fail.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createDemoStore } from '../../src/cli/demo.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { startServer, type TestServer } from '../schema/helpers.ts';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const executablePath = CANDIDATES.find((path): path is string => path !== undefined && existsSync(path));
const ARTIFACTS = new URL('../artifacts/', import.meta.url);

/** Why the tests skip here (false to run them); under CI a missing browser fails instead. */
function skipReason(): string | false {
  if (executablePath !== undefined) return false;
  if (process.env.CI) return false;
  return 'Chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH); CI installs it';
}

/** Whether a request stays on this machine. */
function isLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1';
}

/** The text of GraphiQL's result pane, as far as it is on screen (the editor draws no more). */
async function resultText(page: Page): Promise<string> {
  return ((await page.locator('.graphiql-response').textContent()) ?? '').replaceAll('\u00a0', ' ');
}

/**
 * Makes the tab of that title the active one, and waits for its operation in the editor. (The tabs
 * move as they are laid out, so the click is sent to the element, not to where it was.)
 */
async function openTab(page: Page, title: string): Promise<void> {
  await page.locator(`button.graphiql-tab-button[title="${title}"]`).dispatchEvent('click');
  await page.locator('.graphiql-tab-active', { hasText: title }).waitFor();
  await page.locator('.graphiql-query-editor', { hasText: title }).waitFor();
  // GraphiQL reads the operation's name from the editor a moment after it changes; a click on
  // Execute before that runs the previous tab's operation name ("Cannot infer operation").
  await page.waitForTimeout(500);
}

/** Waits until the result pane's text matches `pattern`; fails with the text it last had. */
async function waitForResult(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await resultText(page);
    if (pattern.test(text)) return text;
    await page.waitForTimeout(100);
  }
  await page.screenshot({ path: '/tmp/gq/fail.png' });
  assert.fail(`the result pane never matched ${pattern}: ${text}`);
}

describe('GraphiQL in Chromium', { skip: skipReason(), timeout: 180_000 }, () => {
  let root: string;
  let store: Store;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const refused: string[] = [];
  const sockets: string[] = [];

  before(async () => {
    assert.ok(executablePath, "CI must have Chromium: .ci/run installs Debian's chromium package");
    root = await mkdtemp(join(tmpdir(), 'resource-store-browser-'));
    await createDemoStore(join(root, 'data'));
    store = await openStore({ path: join(root, 'data') });
    server = await startServer({ store });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.route('**/*', (route) => {
      if (isLocal(route.request().url())) return route.continue();
      refused.push(route.request().url());
      return route.abort();
    });
    page = await context.newPage();
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(server.url);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('should load with the explorer and the example tabs, asking nothing of other hosts', async () => {
    for (const tab of ['Overview', 'Descendants', 'ResourceEvents', 'ResourceVersion']) {
      await page.getByRole('tab', { name: tab }).waitFor();
    }
    await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
    await page.locator('.graphiql-explorer-root').waitFor();
    await page.getByRole('button', { name: 'Hide GraphiQL Explorer' }).click();
    assert.deepEqual(refused, []);
  });

  it('should run a query and show its result', async () => {
    await openTab(page, 'Overview');
    await page.getByRole('button', { name: /Execute query/ }).click();
    const text = await waitForResult(page, /"kind": "Pod",\s*"count": 12/);
    assert.match(text, /"revision": "1"/);
  });

  it('should start a subscription over the websocket and show an event of a write made over HTTP', async () => {
    await openTab(page, 'ResourceEvents');
    await page.getByRole('button', { name: /Execute/ }).click();
    await waitForResult(page, /"SYNCED"/);
    assert.ok(sockets.length > 0 && sockets.every(isLocalSocket), sockets.join(' '));
    const written = await server.request(
      'mutation { addResource(input: { ref: { version: "v1", kind: "Pod", namespace: "storefront", name: "seen-live" }, labels: { app: "demo" } }) { version } }',
    );
    assert.deepEqual(written.data, { addResource: { version: 1 } });
    const text = await waitForResult(page, /"seen-live"/);
    assert.match(text, /"ADDED"/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('graphiql-subscription.png', ARTIFACTS).pathname });
    assert.deepEqual(refused, [], 'no request left the machine');
  });
});

/** Whether a websocket goes to this machine. */
function isLocalSocket(url: string): boolean {
  return new URL(url).hostname === '127.0.0.1';
}
