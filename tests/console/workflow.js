// The office's follow-up in the browser: a failed verification with a new
// deadline, then a passed one, the finding's status moving each time; a
// conflict between two tablets settled in the browser and the settled value
// on a tablet after its sync.
'use strict';

const assert = require('node:assert/strict');
const {describe} = require('node:test');
const {rectify, OFFICE, TEXT, NOTICE_REF} = require('./district');
const {tid, ROUTES, waitForText, signIn} = require('./pages');

// Registered on the shared suite by console.test.js.
module.exports = (suite) => describe('workflow', () => {
  // The finding's status on the server, from its notice (the command line).
  async function serverStatus(ref, title) {
    const out = await suite.cli('admin', 'notice', 'show', ref, ...suite.srv(suite.world.officeTok));
    const line = out.split('\n').find((l) => l.includes(title));
    assert.ok(line, `notice ${ref} lists ${title}: ${out}`);
    return /\b(OPEN|NOTIFIED|IN_RECTIFICATION|RECTIFIED|REOPENED|CLOSED)\b/.exec(line)[1];
  }

  suite.test('a failed verification sets a new deadline; a passed one closes the finding', async ({page, shot}) => {
    const id = suite.world.ids.toVerify;
    await signIn(page, suite, OFFICE, ROUTES.finding(id));
    await waitForText(page, tid('finding-title'), TEXT.toVerify);
    await waitForText(page, tid('finding-status'), '已整改待复查');
    await shot('rectified finding');

    await page.select(tid('verify-result'), 'FAILED');
    await page.waitForSelector(tid('verify-deadline'), {visible: true});
    await page.type(tid('verify-note'), '复查发现仍有过期消毒液');
    await page.type(tid('verify-deadline'), '2030-09-30');
    await shot('failed verification filled');
    await page.click(tid('verify-submit'));
    await waitForText(page, tid('finding-status'), '复查未通过');
    await waitForText(page, tid('finding-deadline'), '2030-09-30');
    await waitForText(page, tid('verifications'), '复查发现仍有过期消毒液');
    assert.equal(await serverStatus(NOTICE_REF.toVerify, TEXT.toVerify), 'REOPENED');
    await shot('after the failed verification');

    // The kindergarten rectifies again on its tablet; the open page follows
    // by itself (the live feed), no reload.
    await rectify(suite.world.tablets.t3, id);
    await waitForText(page, tid('finding-status'), '已整改待复查');
    await page.select(tid('verify-result'), 'PASSED');
    await page.type(tid('verify-note'), '已全部更换，复查合格');
    await page.click(tid('verify-submit'));
    await waitForText(page, tid('finding-status'), '已销号');
    await waitForText(page, tid('verifications'), '已全部更换，复查合格');
    assert.equal(await serverStatus(NOTICE_REF.toVerify, TEXT.toVerify), 'CLOSED');
    await shot('after the passed verification');
  });

  suite.test('a conflict settled in the browser reaches a tablet at its next sync', async ({page, shot}) => {
    const list = await suite.cli('admin', 'conflicts', 'list', '--json', ...suite.srv(suite.world.officeTok));
    const row = list.split('\n').filter(Boolean).map((l) => JSON.parse(l))
        .find((c) => c.conflict.record_id === suite.world.ids.contested);
    assert.ok(row, `the contested finding has an open conflict: ${list}`);
    const {conflict} = row;
    const winner = conflict.winner_value.finding.description;
    const loser = conflict.loser_value.finding.description;
    // The tablet whose text won shows it until the office decides.
    const {t1, t2} = suite.world.tablets;
    const tablet = conflict.winner.device_id === 'tablet-1' ? t1 : t2;
    await tablet.sync();
    assert.match(await tablet.show(suite.world.ids.contested), new RegExp(`description +${winner}`));

    await signIn(page, suite, OFFICE, ROUTES.finding(suite.world.ids.contested));
    const box = tid(`conflict-${conflict.id}`);
    await waitForText(page, box, winner);
    await waitForText(page, box, loser);
    await waitForText(page, box, row.winner_name);
    await waitForText(page, box, row.loser_name);
    await shot('conflict with both values');
    await page.type(tid(`resolve-note-${conflict.id}`), '现场核实：已清理一半');
    await page.click(tid(`resolve-${conflict.id}-take_loser`));
    await waitForText(page, tid('finding-description'), loser);
    await waitForText(page, box, '现场核实：已清理一半');
    assert.equal(await page.$(tid(`resolve-${conflict.id}-take_loser`)), null, 'no resolve action once settled');
    await shot('after resolving');

    await tablet.sync();
    assert.match(await tablet.show(suite.world.ids.contested), new RegExp(`description +${loser}`),
                 'the tablet shows the value the office took');
  });
});
