// The office console's problem list with 10,000 findings on the server: the
// time from navigation to its first page rendered, in Debian's headless
// Chromium, against a real `inspectsync server` (`make bench-console`; a
// figure for BENCHMARKS.md, not a timed test: nothing here asserts a time).
//
// The district's register (6 zones, 386 sites with Chinese names, as
// tests/cli/district_round_walkthrough.sh) is imported through the server by
// the command line; `inspectsync-bench --role console-outbox` writes the
// findings into an office tablet's outbox and `inspectsync tablet sync`
// pushes them through the real sync path. Then, for each run, a fresh
// incognito context signs in (not timed) and navigates to the problem list;
// the page's own clock (performance.now(), 0 = navigation start) stamps the
// first animation frame after the first page's rows are in the DOM.
//
// Printed: one JSON line with the median and every run (and where the time
// went: DOMContentLoaded, ListProblems answered, the slowest response), beside
// `limit_empty_list_ms`, the same measurement over the same register before
// any finding exists (the page, its scripts and one empty ListProblems: what
// the console costs with no data), and their ratio.
//
// Environment: INSPECTSYNC_BIN, INSPECTSYNC_BENCH (the binaries), FINDINGS
// (default 10000), RUNS (default 7), KEEP_TMP=1.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {Suite} = require('../tests/console/harness.js');
const {setPassword, OFFICE} = require('../tests/console/district.js');
const {signIn} = require('../tests/console/pages.js');
const {execFile} = require('node:child_process');

const N = Number(process.env.FINDINGS || 10000);
const RUNS = Number(process.env.RUNS || 7);
const BENCH = process.env.INSPECTSYNC_BENCH && path.resolve(process.env.INSPECTSYNC_BENCH);
// Where the console shows its problem list (server/console/web/app.js's router).
const PROBLEMS = '/#/problems';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function run(file, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(file, args, {cwd, maxBuffer: 64 << 20}, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr}${stdout}`)) : resolve(stdout));
  });
}

// The register of the district round walkthrough: 6 zones, 79 schools, 307
// kindergartens, and the office user.
function writeRegister(dir) {
  const zones = [['CD', '城东学区'], ['CX', '城西学区'], ['CN', '城南学区'], ['CB', '城北学区'],
                 ['XQ', '新区学区'], ['SQ', '山区学区']];
  const zone = (i) => zones[i % 6][0];
  const sites = ['code,name,kind,zone,address'];
  for (let i = 1; i <= 79; i++) {
    const kind = i <= 52 ? 'PRIMARY_SCHOOL' : 'MIDDLE_SCHOOL';
    sites.push(`S${String(i).padStart(3, '0')},第${i}${i <= 52 ? '小学' : '中学'},${kind},${zone(i)},人民路${i}号`);
  }
  for (let i = 1; i <= 307; i++) sites.push(`K${String(i).padStart(3, '0')},阳光第${i}幼儿园,KINDERGARTEN,${zone(i)},`);
  fs.writeFileSync(path.join(dir, 'zones.csv'), ['code,name', ...zones.map((z) => z.join(','))].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'sites.csv'), sites.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'users.csv'), `code,name,role\n${OFFICE.login},${OFFICE.name},office\n`);
}

// One measured navigation in a fresh context; resolves milliseconds from
// navigation start to the first frame with the first page's rows (or, on
// an empty list, the rendered table with its empty state) in the DOM.
async function measure(suite, expectRows) {
  const context = await suite.browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await signIn(page, suite, OFFICE);
    // Installed before the console's own scripts run on the next document.
    await page.evaluateOnNewDocument((want) => {
      // The table is built once ListProblems has answered (with no row when
      // the district has no finding).
      const done = () => {
        const table = document.querySelector('[data-testid=problem-table]');
        return table !== null && (!want || table.querySelector('[data-testid=problem-row]') !== null);
      };
      const check = () => {
        if (window.__firstPageMs !== undefined || !done()) return;
        window.__firstPageMs = -1;
        requestAnimationFrame(() => { window.__firstPageMs = performance.now(); });
      };
      new MutationObserver(check).observe(document, {childList: true, subtree: true, attributes: true});
    }, expectRows);
    // A new document (not a hash change on the signed-in one): the whole
    // page load counts, as when a clerk opens the console.
    await page.goto('about:blank');
    await page.goto(suite.server.url + PROBLEMS, {waitUntil: 'domcontentloaded'});
    await page.waitForFunction(() => window.__firstPageMs > 0, {timeout: 60000});
    // Where the time went, by the page's own clock: its scripts ready
    // (DOMContentLoaded waits for the deferred Chart.js), ListProblems
    // answered, and the slowest single response.
    const {ms, dcl, list, slowest} = await page.evaluate(() => {
      const res = performance.getEntriesByType('resource');
      const lp = res.filter((r) => r.name.includes('/OfficeService/ListProblems')).pop();
      const worst = res.reduce((a, r) => (r.responseEnd - r.requestStart > (a ? a.responseEnd - a.requestStart : -1) ? r : a),
                               null);
      return {ms: window.__firstPageMs, dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
              list: lp ? lp.responseEnd : NaN,
              slowest: worst ? {name: new URL(worst.name).pathname, ms: worst.responseEnd - worst.requestStart} : null};
    });
    const rows = await page.$$eval('[data-testid=problem-row]', (r) => r.length);
    if (expectRows && rows === 0) throw new Error('the problem list rendered no row');
    return {ms, rows, dcl, list, slowest};
  } finally {
    await context.close();
  }
}

async function main() {
  if (!BENCH) throw new Error('INSPECTSYNC_BENCH is not set (make bench-console sets it)');
  const suite = new Suite('bench-first-page');
  try {
    await suite.start();
    const dir = suite.dir;
    await suite.cli('admin', 'token', 'issue', '--user', OFFICE.login, '--role', 'office', '--device',
                    'office-pc', '--keys', 'keys', '--db', 's.db').then((t) => fs.writeFileSync(path.join(dir, 'office.tok'), t));
    writeRegister(dir);
    for (const kind of ['zones', 'sites', 'users']) await suite.cli('admin', 'import', kind, `${kind}.csv`, ...suite.srv('office.tok'));
    await setPassword(suite, OFFICE.login, OFFICE.password);

    // The baseline: the same page over the same register, no finding yet.
    const empty = [];
    for (let i = 0; i < RUNS; i++) empty.push((await measure(suite, false)).ms);

    await suite.cli('tablet', '--db', 'office.db', ...suite.srv('office.tok'), 'sync');
    const sites = (await suite.cli('tablet', '--db', 'office.db', 'site', 'list', '--json'))
        .split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
    fs.writeFileSync(path.join(dir, 'sites.txt'), sites.join('\n') + '\n');
    const t0 = Date.now();
    await run(BENCH, ['--role', 'console-outbox', '--tablet-db', 'office.db', '--sites-file', 'sites.txt',
                      '--n', String(N)], dir);
    await suite.cli('tablet', '--db', 'office.db', ...suite.srv('office.tok'), 'sync');
    console.error(`seeded ${N} findings on ${sites.length} sites in ${Date.now() - t0} ms`);

    const full = [];
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(suite, true));
    full.push(...runs.map((r) => r.ms));
    const rows = runs[runs.length - 1].rows;
    const slowest = runs.map((r) => r.slowest).filter(Boolean).sort((a, b) => a.ms - b.ms)[Math.floor(RUNS / 2)];
    const out = {
      scenario: 'console_first_page', findings: N, sites: sites.length, runs: RUNS, rows_first_page: rows,
      first_page_ms: Math.round(median(full)), runs_ms: full.map(Math.round),
      dom_content_loaded_ms: Math.round(median(runs.map((r) => r.dcl))),
      list_problems_answered_ms: Math.round(median(runs.map((r) => r.list))),
      slowest_response: slowest ? `${slowest.name} ${Math.round(slowest.ms)} ms` : null,
      limit_empty_list_ms: Math.round(median(empty)), limit_runs_ms: empty.map(Math.round),
      ratio_to_limit: Number((median(empty) / median(full)).toFixed(3)),
      chromium: (await suite.browser.version()), load1: Number(require('node:os').loadavg()[0].toFixed(2)),
    };
    console.log(JSON.stringify(out));
    console.error(`first page with ${N} findings: ${out.first_page_ms} ms (median of ${RUNS}); ` +
                  `empty list: ${out.limit_empty_list_ms} ms; ratio ${out.ratio_to_limit}`);
  } finally {
    await suite.stop();
  }
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
