// What the tests do on the console's pages, by the data-testids the web
// front end (server/console/web) promises: sign in, open a view, read rows.
// One place to follow the front end's routes.
'use strict';

const https = require('node:https');

const tid = (id) => `[data-testid="${id}"]`;

// The console's views (server/console/web/app.js's hash router).
const ROUTES = {
  glance: '/#/',
  problems: '/#/problems',
  notices: '/#/notices',
  finding: (id) => `/#/finding/${encodeURIComponent(id)}`,
  notice: (id) => `/#/notice/${encodeURIComponent(id)}`,
};

// A fresh document at `route`.
async function open(page, suite, route) {
  await page.goto(suite.server.url + route);
}

// The same document moves to `route` (the router's hashchange): what a click
// on a link does.
async function go(page, route) {
  await page.evaluate((hash) => { location.hash = hash; }, route.slice(1));
}

async function waitForText(page, selector, text) {
  await page.waitForFunction((sel, t) => document.querySelector(sel)?.textContent.includes(t), {}, selector, text);
}

// Signs in through the form (the console then shows the glance view) and,
// given a route, goes there; resolves once the person's name is shown.
async function signIn(page, suite, who, route = null) {
  await open(page, suite, ROUTES.glance);
  await page.waitForSelector(tid('login-user'), {visible: true});
  await page.type(tid('login-user'), who.login);
  await page.type(tid('login-password'), who.password);
  await page.click(tid('login-submit'));
  await waitForText(page, tid('whoami'), who.name);
  if (route) await go(page, route);
}

// The problem list's rows as text, once at least one row holds `text`.
async function waitForRow(page, text) {
  await page.waitForFunction((sel, t) => [...document.querySelectorAll(sel)].some((r) => r.textContent.includes(t)),
                             {}, tid('problem-row'), text);
}

async function rowTexts(page) {
  return page.$$eval(tid('problem-row'), (rows) => rows.map((r) => r.textContent));
}

// A request outside the browser with a given cookie header: what a stolen
// or old cookie gets. Resolves {status, body}.
function request(suite, method, path, {cookie, headers = {}, body} = {}) {
  const url = new URL(suite.server.url + path);
  return new Promise((resolve, reject) => {
    const req = https.request({
      hostname: url.hostname, port: url.port, path: url.pathname + url.search, method,
      rejectUnauthorized: false,  // the development CA; the browser tests check the page, not the chain
      headers: {...(cookie ? {Cookie: cookie} : {}), ...headers},
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({status: res.statusCode, body: data, headers: res.headers}));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

module.exports = {tid, ROUTES, open, go, waitForText, signIn, waitForRow, rowTexts, request};
