// Signing in and out of the console, and what an attacker tries in the
// browser: a wrong password, an old cookie after sign-out, finding texts with
// script and HTML, a zone director reaching another zone by the URL or the API.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const {describe} = require('node:test');
const {OFFICE, DIRECTOR, TEXT} = require('./district');
const {tid, ROUTES, open, go, waitForText, signIn, waitForRow, rowTexts, request} = require('./pages');

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

// Registered on the shared suite by console.test.js.
module.exports = (suite) => describe('session', () => {
  suite.test('a wrong password shows the message; the right one shows the person', async ({page, shot}) => {
    await open(page, suite, ROUTES.glance);
    await page.waitForSelector(tid('login-user'), {visible: true});
    await shot('sign-in form');
    await page.type(tid('login-user'), OFFICE.login);
    await page.type(tid('login-password'), 'not-the-password');
    await page.click(tid('login-submit'));
    const error = await page.waitForSelector(`${tid('error')}:not(:empty)`, {visible: true});
    const message = await error.evaluate((e) => e.textContent);
    assert.match(message, /密码|password/, `the message says what was wrong: ${message}`);
    assert.equal(await page.$eval(tid('whoami'), (e) => e.textContent), '', 'nobody is signed in');
    await shot('wrong password');

    await page.type(tid('login-password'), OFFICE.password);  // the form emptied it
    await page.click(tid('login-submit'));
    await waitForText(page, tid('whoami'), OFFICE.name);
    assert.equal(await page.$eval(tid('error'), (e) => e.hidden), true, 'the message is gone');
    await shot('signed in');
  });

  suite.test('after signing out the old cookie gets 401, in the browser and outside it', async ({page, shot}) => {
    await signIn(page, suite, OFFICE);
    const cookies = await page.cookies();
    const session = cookies.find((c) => c.name === '__Host-inspectsync');
    assert.ok(session, `the __Host- session cookie was set: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true, 'HttpOnly');
    assert.equal(session.secure, true, 'Secure');
    assert.equal(session.sameSite, 'Strict', 'SameSite=Strict');
    const cookie = `${session.name}=${session.value}`;
    assert.equal((await request(suite, 'GET', '/api/session', {cookie})).status, 200, 'the cookie works');
    assert.equal(await page.evaluate(() => document.cookie.includes('inspectsync')), false,
                 'page scripts cannot read the session cookie');

    await page.click(tid('signout'));
    await page.waitForSelector(tid('login-user'), {visible: true});
    await shot('signed out');

    const reused = await request(suite, 'GET', '/api/session', {cookie});
    assert.equal(reused.status, 401, `the old cookie after sign-out: ${reused.status} ${reused.body}`);
    assert.equal(JSON.parse(reused.body).code, 'UNAUTHENTICATED');
    const rpc = await request(suite, 'POST', '/api/rpc/OfficeService/ListProblems', {
      cookie, body: '{}', headers: {'Content-Type': 'application/json', 'Origin': suite.server.url},
    });
    assert.equal(rpc.status, 401, `an API call with the old cookie: ${rpc.status} ${rpc.body}`);
    assert.ok(!rpc.body.includes(TEXT.notified), 'and no data with it');

    // The old cookie put back into the browser: still the sign-in form.
    await page.setCookie(session);
    await open(page, suite, ROUTES.problems);
    await page.waitForSelector(tid('login-user'), {visible: true});
    assert.equal(await page.$(tid('problem-row')), null, 'no problem row with the old cookie');
    assert.equal(await page.$eval(tid('whoami'), (e) => e.textContent), '');
    await shot('old cookie refused');
  });

  suite.test('a finding text with <script> and HTML is shown as text and never runs', async ({page, shot}) => {
    await signIn(page, suite, OFFICE, ROUTES.problems);
    await waitForRow(page, TEXT.hostileTitle);
    await shot('hostile title in the list');
    const row = (await rowTexts(page)).find((r) => r.includes(TEXT.hostileTitle));
    assert.ok(row.includes(TEXT.hostileDescription), 'the description shows its tags as text');
    const table = tid('problem-table');
    assert.equal(await page.$(`${table} script, ${table} img, ${table} b`), null,
                 'no element was made from a finding text');

    await go(page, ROUTES.finding(suite.world.ids.hostile));
    await waitForText(page, tid('finding-title'), TEXT.hostileTitle);
    await waitForText(page, tid('finding-description'), TEXT.hostileDescription);
    await shot('hostile texts on the finding');
    // (The page has <b> elements of its own: the history's field names.)
    const made = await page.evaluate(() => [
      ...document.querySelectorAll('main script, img[src="x"]'),
      ...[...document.querySelectorAll('b')].filter((b) => b.textContent === '加粗'),
    ].length);
    assert.equal(made, 0, 'the finding page made no element from them');
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script from a finding text ran');
  });

  suite.test('another origin\'s page cannot write with the signed-in person\'s cookie', async ({page, shot}) => {
    // A page on another port of the same host: another origin, the same site,
    // so the SameSite=Strict cookie does go along. It posts a notice for the
    // finding with the hostile texts the way a form can (no CSRF token).
    const target = `${suite.server.url}/api/rpc/OfficeService/IssueNotice`;
    const body = {site: 'S003', finding_ids: [suite.world.ids.hostile], reference_no: 'EVIL-2026-1',
                  deadline_ms: '1924905600000', text: '伪造的通知'};
    const name = JSON.stringify(body).slice(0, -1) + ',"x":"';
    const evil = '<!doctype html><meta charset="utf-8"><form method="POST" enctype="text/plain" action="' + target +
        '"><input type="hidden" name="' + name.replace(/"/g, '&quot;') + '" value="&quot;}"></form>' +
        '<script>document.forms[0].submit()</script>';
    const certs = path.join(suite.dir, 'certs');
    const server = https.createServer({cert: fs.readFileSync(path.join(certs, 'server.pem')),
                                       key: fs.readFileSync(path.join(certs, 'server-key.pem'))},
                                      (req, res) => { res.setHeader('Content-Type', 'text/html'); res.end(evil); });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await signIn(page, suite, OFFICE);
      const refused = page.waitForResponse((r) => r.url() === target);
      await page.goto(`https://127.0.0.1:${server.address().port}/evil.html`);
      const response = await refused;
      assert.equal(response.status(), 403, `a cross-origin write: ${response.status()}`);
      assert.equal(JSON.parse(await response.text()).code, 'PERMISSION_DENIED');
      await shot('cross-origin write refused');
    } finally {
      server.close();
    }
    const notices = await suite.cli('admin', 'notice', 'list', ...suite.srv(suite.world.officeTok));
    assert.doesNotMatch(notices, /EVIL-2026-1/, 'no notice was issued');
  });

  suite.test('a zone director sees their zone only, by the list, the URL or the API', async ({page, shot}) => {
    await signIn(page, suite, DIRECTOR, ROUTES.problems);
    await waitForRow(page, TEXT.contested);
    await shot('director problem list');
    const rows = await rowTexts(page);
    assert.ok(rows.length >= 3, `the director's zone has its problems: ${rows.length}`);
    for (const r of rows) {
      assert.match(r, /城东学区/, `a row of another zone: ${r}`);
      assert.doesNotMatch(r, UUID, `a bare id: ${r}`);
    }

    // Another zone's finding by editing the URL: an error, not the finding.
    await go(page, ROUTES.finding(suite.world.ids.toVerify));
    await page.waitForSelector(`${tid('error')}:not(:empty)`, {visible: true});
    assert.equal(await page.evaluate((t) => document.body.textContent.includes(t), TEXT.toVerify), false,
                 'the other zone\'s finding is not shown');
    await shot('another zone by URL');

    // And by an API call from the signed-in page, CSRF token and all.
    const answer = await page.evaluate(async (id) => {
      const s = await (await fetch('/api/session')).json();
      const r = await fetch('/api/rpc/ReportService/ShowFinding', {
        method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf},
        body: JSON.stringify({finding_id: id}),
      });
      return {status: r.status, body: await r.text()};
    }, suite.world.ids.toVerify);
    assert.ok(answer.status === 403 || answer.status === 404, `another zone's finding by the API: ${answer.status}`);
    assert.ok(!answer.body.includes(TEXT.toVerify), `the refusal carries none of it: ${answer.body}`);
  });
});
