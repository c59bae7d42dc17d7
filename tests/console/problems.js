// The problem list as a clerk works it: Chinese site names and notice
// references, overdue rows marked, the Excel export, a tablet's new finding
// arriving without a reload, and a notice issued for selected findings, then
// listed and printed.
'use strict';

const assert = require('node:assert/strict');
const {describe} = require('node:test');
const {OFFICE, TEXT, NOTICE_REF} = require('./district');
const {tid, ROUTES, go, waitForText, signIn, waitForRow, rowTexts} = require('./pages');

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

// Registered on the shared suite by console.test.js.
module.exports = (suite) => describe('problems', () => {
  suite.test('the problem list names sites and zones, shows notice references and marks overdue rows',
             async ({page, shot}) => {
    await signIn(page, suite, OFFICE);
    // The glance view counts the overdue finding and the open conflict.
    await page.waitForFunction((sel) => /^\d+$/.test(document.querySelector(sel)?.textContent.trim()), {},
                               tid('overdue-count'));
    assert.equal(await page.$eval(tid('overdue-count'), (e) => e.textContent.trim()), '1', 'one overdue finding');
    await page.waitForFunction((sel) => /^\d+$/.test(document.querySelector(sel)?.textContent.trim()), {},
                               tid('open-conflicts'));
    assert.equal(await page.$eval(tid('open-conflicts'), (e) => e.textContent.trim()), '1', 'one open conflict');
    await shot('glance');

    await go(page, ROUTES.problems);
    await waitForRow(page, TEXT.notified);
    await shot('problem list');
    const rows = await rowTexts(page);
    const row = (text) => rows.find((r) => r.includes(text)) || '';
    assert.match(row(TEXT.notified), /城东中学/, 'the site by its name');
    assert.match(row(TEXT.notified), /S002/, 'and its code');
    assert.match(row(TEXT.notified), /城东学区/, 'the zone by its name');
    assert.match(row(TEXT.notified), new RegExp(NOTICE_REF.notified), 'the notice reference');
    assert.match(row(TEXT.notified), /2030-06-30/, 'the deadline');
    assert.match(row(TEXT.toVerify), /阳光幼儿园/);
    assert.match(row(TEXT.toVerify), new RegExp(NOTICE_REF.toVerify));
    for (const r of rows) assert.doesNotMatch(r, UUID, `a bare id in a row: ${r}`);

    const overdue = await page.$$eval(`${tid('problem-row')}.overdue`, (rs) => rs.map((r) => r.textContent));
    assert.equal(overdue.length, 1, `exactly the overdue finding is marked: ${overdue.join(' | ')}`);
    assert.match(overdue[0], new RegExp(TEXT.overdue));
    assert.match(overdue[0], /2021-03-01/);

    // The CSV export: every row, a BOM for Excel, names not ids.
    const href = await page.$eval(tid('export-csv'), (a) => a.href);
    const csv = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return {status: r.status, type: r.headers.get('Content-Type'), disposition: r.headers.get('Content-Disposition'),
              bytes: [...new Uint8Array(await r.arrayBuffer())]};
    }, href);
    assert.equal(csv.status, 200);
    assert.match(csv.type, /text\/csv/);
    assert.match(csv.disposition, /attachment/);
    assert.deepEqual(csv.bytes.slice(0, 3), [0xef, 0xbb, 0xbf], 'the CSV starts with a UTF-8 BOM');
    const text = Buffer.from(csv.bytes.slice(3)).toString('utf8');
    for (const want of ['城东中学', '阳光幼儿园', NOTICE_REF.notified, TEXT.overdue, TEXT.contested]) {
      assert.ok(text.includes(want), `the CSV holds ${want}`);
    }
  });

  suite.test('a tablet\'s new finding appears on the open problem list without a reload', async ({page, shot}) => {
    await signIn(page, suite, OFFICE, ROUTES.problems);
    await waitForRow(page, TEXT.notified);
    // Set on this document only: a reload would lose it.
    await page.evaluate(() => { window.__sameDocument = true; });
    await shot('before the tablet syncs');

    const title = '食堂燃气管道老化';
    const {t2} = suite.world.tablets;
    await t2.add('S001', title, ['--category', '燃气安全', '--severity', 'high']);
    await t2.sync();

    await waitForRow(page, title);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    const row = (await rowTexts(page)).find((r) => r.includes(title));
    assert.match(row, /城东第一实验小学/);
    await shot('the new finding arrived');
  });

  suite.test('a notice issued for selected findings is listed and printable', async ({page, shot}) => {
    const ref = '督办-2026-101';
    await signIn(page, suite, OFFICE, ROUTES.problems);
    await waitForRow(page, TEXT.toNotify);
    const box = await page.evaluateHandle((sel, t) => [...document.querySelectorAll(sel)]
        .find((r) => r.textContent.includes(t)).querySelector('[data-testid="select-finding"]'),
    tid('problem-row'), TEXT.toNotify);
    await box.click();
    await waitForText(page, tid('selected-count'), '1');
    await shot('finding selected');
    await page.click(tid('issue-selected'));

    await waitForText(page, tid('notice-selection'), TEXT.toNotify);
    await page.type(tid('notice-ref'), ref);
    await page.type(tid('notice-deadline'), '2030-09-30');
    await page.type(tid('notice-text'), '请于期限内更换灭火器');
    await shot('notice form filled');
    await page.click(tid('notice-submit'));

    // Listed among the notices with its site and deadline.
    await waitForText(page, tid('notice-table'), ref);
    const line = await page.$$eval(tid('notice-row'), (rs, r) => rs.map((x) => x.textContent).find((x) => x.includes(r)),
                                   ref);
    assert.match(line, /城东第一实验小学/);
    assert.match(line, /2030-09-30/);
    await shot('notice listed');

    // On the server: the finding is NOTIFIED under that reference.
    const shown = await suite.cli('admin', 'notice', 'show', ref, ...suite.srv(suite.world.officeTok));
    assert.match(shown, new RegExp(TEXT.toNotify));
    assert.match(shown, /NOTIFIED/);

    // Printable: the notice's own page; printed, the console around it is gone.
    const link = await page.evaluateHandle((sel, r) => [...document.querySelectorAll(sel)]
        .find((x) => x.textContent.includes(r)).querySelector('[data-testid="notice-print-link"]'),
    tid('notice-row'), ref);
    await link.click();
    await waitForText(page, tid('notice-document'), ref);
    await waitForText(page, tid('notice-document'), TEXT.toNotify);
    await waitForText(page, tid('notice-document'), '城东第一实验小学');
    await page.emulateMediaType('print');
    await shot('notice as printed');
    const hidden = await page.$$eval([tid('signout'), tid('print'), 'header.top'].join(','),
                                     (es) => es.every((e) => getComputedStyle(e).display === 'none'));
    assert.equal(hidden, true, 'the header and buttons are not printed');
    assert.notEqual(await page.$eval(tid('notice-document'), (e) => getComputedStyle(e).display), 'none');
    const pdf = await page.pdf({format: 'A4'});
    assert.ok(pdf.length > 1000, 'the notice prints to a PDF');
    await page.emulateMediaType(null);
  });
});
