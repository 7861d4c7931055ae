// Opens the gateway's GraphiQL in headless Chromium (Debian's, not a Playwright download), waits
// for the schema, clicks the run button and prints what a person would see, as one JSON object:
// the editors' contents, the result pane, every URL the page requested, Content-Security-Policy
// violations and console errors. tests/test_graphiql.py judges it.
//
//   node browser/graphiql.mjs http://127.0.0.1:8000/graphql
import { chromium } from 'playwright-core';

const [endpoint] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  // The CI container runs as root, where Chromium's sandbox cannot start.
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  // Injected by the DevTools protocol, so the page's own policy does not apply to it.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  const response = await page.goto(endpoint, { waitUntil: 'load' });
  const run = page.locator('.graphiql-execute-button');
  await run.waitFor({ state: 'visible', timeout: 30_000 });
  const editor = (label, index = 0) =>
    page.evaluate(
      ([l, i]) =>
        [...document.querySelectorAll('.CodeMirror')]
          .filter((e) => e.closest('[aria-label]')?.getAttribute('aria-label') === l)
          [i]?.CodeMirror?.getValue() ?? null,
      [label, index],
    );
  const query = await editor('Query Editor');
  // The editor tools hold the variables, then the headers (both labelled "Variables").
  const variables = await editor('Variables', 0);
  const headers = await editor('Variables', 1);
  // The explorer plugin: its sidebar button opens it on the schema's root fields.
  await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
  // It lists the root fields once the schema's introspection has answered.
  await page
    .locator('.graphiql-explorer-root')
    .getByText('devices', { exact: true })
    .first()
    .waitFor({ state: 'visible', timeout: 30_000 });
  const explorer = await page.locator('.graphiql-explorer-root').innerText();

  await run.click();
  await page.waitForFunction(
    () => {
      const pane = document.querySelector('.result-window .CodeMirror');
      const text = pane?.CodeMirror?.getValue() ?? '';
      return text.includes('"data"') || text.includes('"errors"');
    },
    null,
    { timeout: 30_000 },
  );
  const result = await editor('Result Window');
  // A dialog injects a <style> element: allowed by the page's nonce, not by 'unsafe-inline'.
  await page.getByRole('button', { name: 'Open settings dialog' }).click();
  await page.getByRole('dialog').waitFor({ state: 'visible', timeout: 10_000 });
  const injectedStyles = await page.evaluate(
    () => [...document.querySelectorAll('style')].filter((e) => e.nonce).length,
  );
  await page.keyboard.press('Escape');
  const violations = await page.evaluate(() => window.__violations);
  console.log(
    JSON.stringify({
      status: response.status(),
      csp: response.headers()['content-security-policy'] ?? null,
      query,
      variables,
      headers,
      explorer,
      result,
      requests,
      violations,
      injectedStyles,
      consoleErrors,
    }),
  );
} finally {
  await browser.close();
}
