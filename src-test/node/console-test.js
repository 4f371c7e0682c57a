// Drives Swapgate's web console in headless Chromium with the keyboard alone (ConsoleBrowserIT runs it): each
// control is reached with Tab (or the arrow keys inside the tab list) and used with Enter, Space or typing, so a
// control the keyboard cannot reach fails the run. Saves a screenshot of every view and prints one JSON line of what
// it saw, which the Java test checks against the gRPC API.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require('playwright-core');

const env = process.env;
const SHORT = 8; // the console shows versions by their first 8 hex digits
const STATES_DONE = ['PROMOTED', 'PUBLISHED', 'FAILED', 'CANCELLED'];

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const report = {};
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The gateway's Content-Security-Policy allows the page's own files only: anything it blocks is a bug.
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) pageErrors.push(message.text());
    });
    await page.goto(env.CONSOLE_URL);

    await signIn(page, env.DEMO_KEY, 'demo');
    await shot(page, 'signin');
    await promoteAndRollBack(page, report);
    await playground(page, report);
    await training(page, report);
    await engine(page);
    await residency(page);

    await signOut(page);
    await signIn(page, env.QUIET_KEY, 'quiet');
    await expectOnlyOwnAdapters(page, 'quiet/secret', ['demo/story', 'demo/temper', 'demo/dyn']);
    await openTab(page, 'Training');
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    assert.equal(await page.getByText('demo/trained').count(), 0, 'tenant quiet must not see demo\'s jobs');
    assert.equal(await page.getByRole('tab', { name: 'Tenants' }).isVisible(), false, 'Tenants is for admins');

    await signOut(page);
    await signIn(page, env.ADMIN_KEY, 'ops');
    await openTab(page, 'Tenants');
    for (const tenant of ['demo', 'quiet']) {
      await page.getByTestId(`tenant-${tenant}`).waitFor();
    }
    await shot(page, 'tenants');
    assert.deepEqual(pageErrors, [], 'the page threw or broke its security policy');
  } catch (error) {
    await shot(page, 'failure'); // where it stopped, for whoever reads the failure
    throw error;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
}

/** Presses Tab until {@code locator} has the focus; fails when it is not reachable within {@code limit} presses. */
async function tabTo(page, locator, limit = 80) {
  await locator.waitFor();
  for (let i = 0; i < limit; i++) {
    if (await locator.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`not reachable with the Tab key: ${locator}`);
}

/** Focuses the selected tab by Tab, then moves along the tab list with the arrow keys to {@code name}. */
async function openTab(page, name) {
  await tabTo(page, page.locator('[role="tab"][aria-selected="true"]'));
  const tabs = page.getByRole('tab');
  for (let i = 0; i < await tabs.count(); i++) {
    const focused = page.locator('[role="tab"]:focus');
    if ((await focused.textContent()).trim() === name) {
      await page.keyboard.press('Enter');
      await page.getByRole('tabpanel', { name }).waitFor();
      return;
    }
    await page.keyboard.press('ArrowRight');
  }
  throw new Error(`no tab named ${name}`);
}

async function signIn(page, key, tenant) {
  await tabTo(page, page.getByLabel('API key', { exact: true }));
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal((await page.getByTestId('session-tenant').textContent()).trim(), tenant);
}

async function signOut(page) {
  await tabTo(page, page.getByRole('button', { name: 'Sign out' }));
  await page.keyboard.press('Enter');
  await page.getByLabel('API key', { exact: true }).waitFor();
}

/** Confirms the open dialog with the keyboard. */
async function confirm(page) {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await tabTo(page, dialog.getByRole('button', { name: 'Confirm' }));
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
}

async function stableAlias(page) {
  return (await page.getByTestId('alias-stable').getAttribute('data-version')) || '';
}

async function waitForStable(page, version) {
  await page.waitForFunction((v) => document.querySelector('[data-testid="alias-stable"]')?.dataset.version === v, version);
}

async function promoteAndRollBack(page, report) {
  await expectOnlyOwnAdapters(page, 'demo/story', ['quiet/secret']);
  await tabTo(page, page.getByTestId('select-adapter-demo/story'));
  await page.keyboard.press('Enter');
  await page.getByTestId('adapter-details-name').filter({ hasText: 'demo/story' }).waitFor();
  assert.equal(await stableAlias(page), env.V1);

  await tabTo(page, page.getByRole('button', { name: `Promote version ${env.V2.slice(0, SHORT)}` }));
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const alias = dialog.getByLabel(/alias/i).first();
  await tabTo(page, alias);
  if ((await alias.evaluate((e) => e.tagName)) === 'SELECT') {
    await alias.selectOption('stable'); // the dialog's default; set explicitly in case it changes
  } else {
    await page.keyboard.press('Control+A');
    await page.keyboard.type('stable');
  }
  await confirm(page);
  await waitForStable(page, env.V2);
  report.stableAfterPromote = (await stableAlias(page)).slice(0, 12);
  await shot(page, 'adapters');

  await tabTo(page, page.getByRole('button', { name: 'Roll back alias stable' }));
  await page.keyboard.press('Enter');
  await confirm(page);
  await waitForStable(page, env.V1);
  report.stableAfterRollback = (await stableAlias(page)).slice(0, 12);
}

async function expectOnlyOwnAdapters(page, own, others) {
  await openTab(page, 'Adapters');
  await page.getByTestId(`adapter-${own}`).waitFor();
  for (const other of others) {
    assert.equal(await page.getByTestId(`adapter-${other}`).count(), 0, `${other} must not be listed`);
  }
}

/** Picks the option whose value starts with {@code reference} in a select reached by Tab, using arrow keys. */
async function choose(page, select, reference) {
  await tabTo(page, select);
  const values = await select.evaluate((e) => [...e.options].map((o) => o.value));
  const target = values.findIndex((v) => v.startsWith(reference));
  assert.ok(target >= 0, `no option ${reference} in ${values}`);
  const current = await select.evaluate((e) => e.selectedIndex);
  for (let i = current; i < target; i++) await page.keyboard.press('ArrowDown');
  for (let i = current; i > target; i--) await page.keyboard.press('ArrowUp');
  assert.ok((await select.inputValue()).startsWith(reference));
}

async function fill(page, locator, text) {
  await tabTo(page, locator);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

async function generate(page) {
  await tabTo(page, page.getByLabel('Prompt', { exact: true }));
  await page.keyboard.press('Control+Enter');
  await page.getByTestId('playground-finish-reason').waitFor({ timeout: 60_000 });
  return page.getByTestId('playground-output').textContent();
}

async function playground(page, report) {
  await openTab(page, 'Playground');
  await choose(page, page.getByTestId('playground-lora'), 'demo/story');
  await fill(page, page.getByLabel('Prompt', { exact: true }), 'Once upon a time');
  await fill(page, page.getByLabel('Max new tokens', { exact: true }), env.TOKENS);
  await fill(page, page.getByLabel('Temperature', { exact: true }), '0');
  const text = await generate(page);
  // The output shows the prompt too, when it echoes it; the generated text is what follows.
  report.playgroundText = text.startsWith('Once upon a time') ? text.slice('Once upon a time'.length) : text;

  // A DyLoRA brings its rank slider; Home moves it to the smallest rank, which the response says served it.
  await choose(page, page.getByTestId('playground-lora'), 'demo/dyn');
  await tabTo(page, page.getByLabel('Rank', { exact: true }));
  await page.keyboard.press('Home');
  report.dyLoraRankChosen = (await page.getByTestId('playground-rank-value').textContent()).trim();
  await generate(page);
  report.dyLoraRankServed = (await page.getByTestId('playground-served-lora').locator('td').last().textContent()).trim();

  await choose(page, page.getByTestId('playground-lora'), 'none');
  await choose(page, page.getByTestId('playground-tempnet'), 'demo/temper');
  await fill(page, page.getByLabel('Temperature', { exact: true }), '1');
  await generate(page);
  report.temperaturesShown = await page.getByTestId('playground-temperatures').locator('rect, li, [data-temperature]').count();
  await shot(page, 'playground');
}

async function training(page, report) {
  await openTab(page, 'Training');
  await fill(page, page.getByLabel('Adapter', { exact: true }), 'demo/trained');
  await choose(page, page.getByLabel('Kind', { exact: true }), 'lora');
  await fill(page, page.getByLabel('Steps', { exact: true }), '40');
  await fill(page, page.getByLabel('LoRA rank', { exact: true }), '4');
  await fill(page, page.getByLabel('DyLoRA smallest rank', { exact: true }), '2');
  const examples = [];
  for (let i = 0; i < 24; i++) {
    examples.push(JSON.stringify({ exampleId: `c${i}`, prompt: 'Once upon a time',
      completion: `, there was a boy named Tom. Tom had ${i + 2} red balls.` }));
  }
  await tabTo(page, page.getByLabel(/Examples/));
  await page.keyboard.insertText(examples.join('\n'));
  // Every step value the jobs table shows for the new job, as the page changes.
  await page.evaluate(() => {
    window.stepsSeen = new Set();
    new MutationObserver(() => {
      document.querySelectorAll('[data-testid$="-step"]').forEach((cell) => {
        const row = cell.closest('tr');
        if (row && row.textContent.includes('demo/trained')) window.stepsSeen.add(cell.textContent.trim());
      });
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await tabTo(page, page.getByRole('button', { name: 'Start job' }));
  await page.keyboard.press('Enter');
  const row = page.locator('tr', { hasText: 'demo/trained' });
  await row.waitFor();
  await page.waitForFunction((done) => {
    const row = [...document.querySelectorAll('tr')].find((r) => r.textContent.includes('demo/trained'));
    return row && done.some((state) => row.textContent.includes(state));
  }, STATES_DONE, { timeout: 120_000 });
  report.stepsSeen = await page.evaluate(() => [...window.stepsSeen]);
  await tabTo(page, row.getByRole('button', { name: /^Show job/ }));
  await page.keyboard.press('Enter');
  await page.getByTestId('job-loss-chart').waitFor();
  await shot(page, 'training');
}

async function engine(page) {
  await openTab(page, 'Engine');
  await page.getByTestId('engine-scope').filter({ hasText: /demo/ }).waitFor();
  await shot(page, 'engine');
}

async function residency(page) {
  await openTab(page, 'Residency');
  await page.locator('[data-testid^="resident-demo/"]').first().waitFor();
  await shot(page, 'residency');
}

async function shot(page, view) {
  await page.screenshot({ path: path.join(env.SCREENSHOTS, `${view}.png`), fullPage: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
