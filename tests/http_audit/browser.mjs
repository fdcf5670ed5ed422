// Drives Chromium (the machine's own, not a Playwright download) through tests/api/test_browser.py.
// Usage: node browser.mjs '<json>' with {chromium, api, allowedPage, otherPage}.
// Every request to a host other than this machine is aborted: the test is offline by construction.
// Prints one JSON line with what was seen; the Python test judges it.
import { chromium } from 'playwright-core';

const config = JSON.parse(process.argv[2]);
const LOCAL = new Set(['127.0.0.1', 'localhost']);
const seen = { outside: [], consoleErrors: [], cspViolations: [], failedRequests: [] };

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  // Names other than this machine's do not even resolve.
  args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'],
});
try {
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (LOCAL.has(url.hostname)) return route.continue();
    seen.outside.push(url.href);
    return route.abort('internetdisconnected');
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window.__cspViolations ||= []).push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  // 1. GraphiQL renders from the server's own files and runs a query.
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') seen.consoleErrors.push(message.text());
  });
  page.on('requestfailed', (request) => seen.failedRequests.push(request.url()));
  await page.goto(`${config.api}/graphql`, { waitUntil: 'load' });
  const editor = '.graphiql-query-editor .CodeMirror';
  try {
    await page.waitForSelector(editor, { timeout: 30000 });
  } catch {
    // left as it is: the Python test reports what the page shows
  }
  seen.graphiqlText = (await page.locator('#graphiql').innerText()).slice(0, 200);
  seen.rendered = (await page.locator(editor).count()) > 0;
  if (seen.rendered) {
    await page.evaluate((selector) => {
      document.querySelector(selector).CodeMirror.setValue('{ __typename }');
    }, editor);
    await page.click('.graphiql-execute-button');
    await page
      .waitForFunction(
        () => (document.querySelector('.graphiql-response')?.innerText || '').includes('Query'),
        null,
        { timeout: 30000 },
      )
      .catch(() => {});
    seen.graphiqlResponse = (await page.locator('.graphiql-response').innerText()).slice(0, 300);
  }
  seen.cspViolations = await page.evaluate(() => window.__cspViolations || []);

  // 2. A page of a listed origin signs in, queries with its bearer token and reads the answers.
  const front = await context.newPage();
  await front.goto(config.allowedPage);
  seen.allowed = await front.evaluate(async (api) => {
    const post = (body, headers = {}) =>
      fetch(`${api}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const signIn = await post({
      query:
        'mutation($u: String!, $p: String!) { signIn(input: {username: $u, password: $p}) { token } }',
      variables: { u: 'center', p: 'demo' },
    });
    const token = (await signIn.json()).data.signIn.token;
    const bearer = { Authorization: `Bearer ${token}`, Accept: 'application/graphql-response+json' };
    const me = await post({ query: '{ me { username } }' }, bearer);
    const byGet = await fetch(`${api}/graphql?query=${encodeURIComponent('{ me { username } }')}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const forged = await post({ query: '{ me { username } }' }, { Authorization: 'Bearer forged' });
    return {
      origin: window.location.origin,
      signInStatus: signIn.status,
      me: { status: me.status, type: me.headers.get('content-type'), body: await me.json() },
      byGet: { status: byGet.status, body: await byGet.json() },
      forged: {
        status: forged.status,
        body: await forged.json(),
        challenge: forged.headers.get('www-authenticate'),
      },
    };
  }, config.api);

  // 3. A page of an origin not listed cannot read anything.
  const stranger = await context.newPage();
  await stranger.goto(config.otherPage);
  seen.other = await stranger.evaluate(async (api) => {
    try {
      const response = await fetch(`${api}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      return { origin: window.location.origin, read: await response.text() };
    } catch (error) {
      return { origin: window.location.origin, error: String(error) };
    }
  }, config.api);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
