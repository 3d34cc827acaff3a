// End-to-end scenarios of the web console in a real browser: playwright-core driving the system's Chromium against a
// running `minemeld run`. Run by the xUnit ConsoleBrowserTests (one scenario per test):
//   CONSOLE_URL=http://127.0.0.1:PORT SCREENSHOTS=DIR [CHROMIUM=/usr/bin/chromium] node console.e2e.mjs SCENARIO
// Prints "FIGURE name value" lines for measurements, exits 0 when every check held, 1 with the failed check otherwise.
// A page that logs a Content Security Policy violation or any script error fails its scenario.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.CONSOLE_URL;
const shots = process.env.SCREENSHOTS || 'screenshots';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const admin = { user: process.env.ADMIN_USER || 'admin', password: process.env.ADMIN_PASSWORD || 'demo-admin' };
const timeout = 30_000;
mkdirSync(shots, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function figure(name, value) {
  console.log(`FIGURE ${name} ${value}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function login(page, credentials = admin) {
  const response = await page.goto(`${base}/ui/`);
  check(response.status() === 401, `an anonymous /ui/ answers 401 with the login form (got ${response.status()})`);
  await page.fill('input[name=user]', credentials.user);
  await page.fill('input[name=password]', credentials.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

async function overviewRows(page) {
  await page.waitForSelector('#nodes .row', { timeout });
  return page.$$eval('#nodes .row', (rows) => rows.map((r) => r.dataset.node));
}

const scenarios = {
  // Log in with the form, see every node of the demo graph, draw the graph, open a node from the drawing.
  async login(page) {
    await login(page);
    const names = await overviewRows(page);
    for (const node of ['dshield_blocklist', 'spamhaus_DROP', 'myBaseOffering', 'customerA', 'customerAFeed', 'bucketCustomerA']) {
      check(names.includes(node), `the overview lists ${node} (it lists ${names.join(', ')})`);
    }
    await page.waitForFunction(() => document.querySelector('#nodes .row[data-node=customerAFeed] .c-num')?.textContent !== '—', null, { timeout });
    check((await page.textContent('#who')).includes('admin/admin'), 'the header names the admin');
    await page.fill('input[aria-label="Filter nodes"]', 'spamhaus');
    const filtered = await page.$$eval('#nodes .row', (rows) => rows.map((r) => r.dataset.node));
    check(filtered.length === 2 && filtered.every((n) => n.startsWith('spamhaus')), `the filter keeps the spamhaus miners (got ${filtered.join(', ')})`);
    await page.fill('input[aria-label="Filter nodes"]', '');
    await shot(page, 'overview');
    await page.click('[data-nav=graph]');
    await page.waitForSelector('svg .gnode', { timeout });
    const drawn = await page.$$eval('svg .gnode', (nodes) => nodes.map((n) => n.getAttribute('data-node')));
    check(drawn.length === names.length, `the graph draws every node (${drawn.length} of ${names.length})`);
    check(await page.$$eval('svg path.edge', (e) => e.length) === 13, 'the graph draws one edge per input (13 in the demo)');
    await shot(page, 'graph');
    await page.click('svg .gnode[data-node=customerAFeed]');
    await page.waitForSelector('section.node[data-node=customerAFeed] #indicators tbody tr', { timeout });
    check((await page.textContent('.urls')).includes('/feeds/customerAFeed?v=json'), 'the feed page lists its URLs by format');
    await shot(page, 'node-feed');
  },

  // Add an entry to a local list in its editor and watch it reach the feed's indicator view.
  async 'list-entry'(page) {
    await login(page);
    await page.goto(`${base}/ui/#/node/bucketCustomerA`);
    await page.waitForSelector('#list-editor', { timeout });
    await page.fill('input[aria-label=Indicator]', '203.0.113.45');
    await page.fill('input[aria-label=Comment]', 'ticket 4711: scanner');
    await page.selectOption('select[aria-label=Lifetime]', '604800');
    await page.click('#list-editor form button[type=submit]');
    await page.waitForSelector('#list-editor tr[data-indicator="203.0.113.45"]', { timeout });
    const row = await page.textContent('#list-editor tr[data-indicator="203.0.113.45"]');
    check(row.includes('ticket 4711: scanner'), 'the list shows the comment');
    check(!row.includes('never'), 'the entry has its 7-day expiry');
    await shot(page, 'list-editor');
    await page.goto(`${base}/ui/#/node/customerAFeed`);
    await page.waitForSelector('#indicators', { timeout });
    await page.fill('input[aria-label="Search indicators"]', '203.0.113.45');
    // The feed view refreshes every 5 s; the entry goes list → miner → aggregator → feed over Kafka meanwhile.
    await page.waitForSelector('#indicators tr[data-indicator^="203.0.113.45"]', { timeout: 60_000 });
    const indicator = await page.textContent('#indicators tr[data-indicator^="203.0.113.45"]');
    check(indicator.includes('bucketCustomerA'), 'the feed indicator names its source list');
    check(indicator.includes('ticket 4711: scanner'), 'the feed indicator carries the comment');
    await shot(page, 'feed-indicators');
  },

  // Bulk upload of 100,000 lines: one bad line refuses the whole upload (reported by its line number, nothing written);
  // the corrected file is written, with the progress bar at 100%.
  async bulk(page) {
    await login(page);
    await page.goto(`${base}/ui/#/node/wlCustomerA`);
    await page.waitForSelector('#list-editor', { timeout });
    const before = await page.textContent('#list-count');
    const lines = ['# customer-a allow list, generated'];
    for (let i = 0; i < 100_000; i++) {
      lines.push(`11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} generated ${i}`);
    }
    const bad = [...lines];
    bad[50_001] = '11.999.0.1 a typo';
    await page.setInputFiles('input[aria-label="Upload a file of entries"]', { name: 'bad.txt', mimeType: 'text/plain', buffer: Buffer.from(bad.join('\n')) });
    let started = Date.now();
    await page.click('#list-editor button:text("Upload")');
    await page.waitForSelector('#bulk-report table.errors tr[data-line]', { timeout: 120_000 });
    figure('bulk_refused_ms', Date.now() - started);
    const refused = await page.$$eval('#bulk-report table.errors tr[data-line]', (rows) => rows.map((r) => r.dataset.line));
    check(refused.length === 1 && refused[0] === '50002', `the report names line 50002 only (got ${refused.join(', ')})`);
    check((await page.textContent('#bulk-report')).includes('11.999.0.1'), 'the report shows the bad entry');
    check(await page.getAttribute('#bulk-progress', 'value') === '100', 'the progress bar ends full');
    check((await page.textContent('#bulk-phase')).includes('nothing written'), 'the upload says nothing was written');
    check(await page.textContent('#list-count') === before, `the list is unchanged (${before})`);
    await shot(page, 'bulk-refused');

    const progress = [];
    await page.exposeFunction('reportProgress', (v) => progress.push(Number(v)));
    await page.evaluate(() => {
      const bar = document.getElementById('bulk-progress');
      new MutationObserver(() => window.reportProgress(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] });
    });
    await page.setInputFiles('input[aria-label="Upload a file of entries"]', { name: 'good.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
    started = Date.now();
    await page.click('#list-editor button:text("Upload")');
    await page.waitForFunction(() => document.getElementById('bulk-phase').textContent.startsWith('done'), null, { timeout: 120_000 });
    figure('bulk_written_ms', Date.now() - started);
    check((await page.textContent('#bulk-phase')).includes('100,000 written'), 'all 100,000 entries were written');
    check(await page.getAttribute('#bulk-progress', 'value') === '100', 'the progress bar ends full');
    check(progress.length > 0 && Math.max(...progress) === 100, `the progress bar moved while uploading (${progress.join(', ')})`);
    await page.waitForFunction(() => document.getElementById('list-count').textContent.startsWith('100,000'), null, { timeout });
    await shot(page, 'bulk-written');
  },

  // A feed user is refused by the login form and by the Basic route; an anonymous API call is 401; a write without
  // the session's CSRF token is 403 even from the console's own page.
  async refused(page, browser) {
    const response = await page.goto(`${base}/ui/`);
    check(response.status() === 401, 'anonymous: 401 and the login form');
    await page.fill('input[name=user]', 'customer-a');
    await page.fill('input[name=password]', 'demo-customer-a');
    const [posted] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    check(posted.status() === 403, `a feed user's login is 403 (got ${posted.status()})`);
    check((await page.textContent('.error')).includes('feed user'), 'the page says feed users cannot use the console');
    await shot(page, 'feed-user-refused');
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    const [wrong] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    check(wrong.status() === 401, 'a wrong password is 401');
    const api = await page.evaluate(async () => (await fetch('/ui/api/session')).status);
    check(api === 401, `an anonymous API call is 401 (got ${api})`);

    const basic = await browser.newContext({ httpCredentials: { username: 'customer-a', password: 'demo-customer-a' } });
    const basicPage = await basic.newPage();
    const viaBasic = await basicPage.goto(`${base}/ui/basic`);
    check(viaBasic.status() === 403, `a feed user through the Basic prompt is 403 (got ${viaBasic.status()})`);
    await basic.close();

    await login(page);
    await overviewRows(page);
    const forged = await page.evaluate(async () => (await fetch('/lists/bucketCustomerA/entries', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ entries: [{ indicator: '198.51.100.9' }] }),
    })).status);
    check(forged === 403, `a write without the CSRF token is 403 (got ${forged})`);
  },

  // Feed users and tags: create a user with a tag, see it in the access matrix; then the graph validator.
  async users(page) {
    await login(page);
    await page.click('[data-nav=users]');
    await page.waitForSelector('#access-matrix', { timeout });
    await page.fill('input[aria-label="New feed user name"]', 'initech');
    await page.fill('input[aria-label="New feed user password"]', 'initech-secret-1');
    await page.fill('input[aria-label="New feed user tags"]', 'premium');
    await page.click('#new-feed-user button[type=submit]');
    await page.waitForSelector('#access-matrix tr[data-user=initech]', { timeout });
    const cells = await page.$$eval('#access-matrix tr[data-user=initech] td', (tds) => tds.map((td) => td.textContent));
    const feeds = await page.$$eval('#access-matrix thead th', (ths) => ths.slice(1).map((th) => th.firstChild.textContent));
    const reads = Object.fromEntries(feeds.map((f, i) => [f, cells[i] === 'reads']));
    check(reads.premiumOffering && reads.freeBaseOffering && !reads.customerAFeed, `initech (premium) reads premium and the any-tagged free feed, not customer A's (${JSON.stringify(reads)})`);
    const status = await page.evaluate(async (url) => (await fetch(url, { headers: { Authorization: `Basic ${btoa('initech:initech-secret-1')}` } })).status, '/feeds/premiumOffering');
    check(status === 200, `the new user fetches premiumOffering (got ${status})`);
    await shot(page, 'users');

    await page.click('[data-nav=validate]');
    await page.fill('textarea[aria-label="Graph YAML"]', 'nodes:\n  a:\n    prototype: nope.missing\n  b:\n    prototype: stdlib.aggregatorIPv4Generic\n    inputs: [zz]\n');
    await page.click('button:text("Validate")');
    await page.waitForSelector('ol.listing li.marked', { timeout });
    const marked = await page.$$eval('ol.listing li', (items) => items.map((li, i) => (li.classList.contains('marked') ? i + 1 : 0)).filter((n) => n));
    check(marked.includes(3) && marked.includes(6), `errors shown at lines 3 and 6 (got ${marked.join(', ')})`);
    await shot(page, 'validate');
  },

  // The overview's first paint (rows on screen, from the start of navigation) for whatever graph is running, five
  // page loads after a warm-up: printed, not asserted. Then: rows are virtualised and the last node is reachable.
  async paint(page) {
    await login(page);
    await overviewRows(page);
    const nodes = await page.evaluate(async () => (await (await fetch('/ui/api/graph')).json()).nodes.map((n) => n.name));
    const times = [];
    for (let run = 0; run < 5; run++) {
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.overviewPaintMs, null, { timeout });
      times.push(Number(await page.evaluate(() => document.body.dataset.overviewPaintMs)));
    }
    times.sort((a, b) => a - b);
    figure('nodes', nodes.length);
    figure('overview_first_paint_ms_median', times[2]);
    figure('overview_first_paint_ms_max', times[4]);
    check(await page.$$eval('#nodes .row', (r) => r.length) < 200, 'rows are virtualised (fewer than 200 in the DOM)');
    await page.$eval('#nodes', (s) => { s.scrollTop = s.scrollHeight; });
    const last = nodes[nodes.length - 1];
    await page.waitForSelector(`#nodes .row[data-node="${last}"]`, { timeout });
    await shot(page, `overview-${nodes.length}-nodes`);
  },
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on('console', (message) => {
    // Network answers the scenarios ask for (401, 403, a 400 from the validator) are logged by the browser as errors; they are not the page's.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[0-4]/.test(message.text())) {
      problems.push(`console: ${message.text().slice(0, 300)}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  await scenarios[name](page, browser);
  check(problems.length === 0, `no script errors or CSP violations: ${problems.join(' | ')}`);
  console.log(`PASS ${name}`);
} catch (e) {
  console.error(`FAIL ${name}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
