// A small district with Chinese names, seeded the way the office and the
// inspectors do it (tests/cli/district_round_walkthrough.sh at a test's
// scale): the register imported from CSV through the server, inspectors'
// tablets that sync and record findings offline, notices issued, a finding
// rectified on its tablet, two tablets rewording one finding into a
// conflict. Only the `inspectsync` command line, against the real server.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

// The office user who signs in to the console, and the zone director.
const OFFICE = {login: 'office', name: '钱主任', password: '办公室-console-2026'};
const DIRECTOR = {login: 'sv08', name: '赵敏', password: '城东学区-director-2026'};

const ZONES = [['CD', '城东学区'], ['CX', '城西学区']];
const SITES = [
  ['S001', '城东第一实验小学', 'PRIMARY_SCHOOL', 'CD', '人民路1号'],
  ['S002', '城东中学', 'MIDDLE_SCHOOL', 'CD', '解放路8号'],
  ['K001', '阳光幼儿园', 'KINDERGARTEN', 'CX', ''],
  ['S003', '城西第二小学', 'PRIMARY_SCHOOL', 'CX', '西湖路3号'],
];
const USERS = [
  ['sv01', '张伟', 'inspector'], ['sv02', '王芳', 'inspector'], ['sv03', '李娜', 'inspector'],
  [DIRECTOR.login, DIRECTOR.name, 'zone_director'], [OFFICE.login, OFFICE.name, 'office'],
];
const ASSIGNMENTS = [
  ['sv01', 'S001', ''], ['sv01', 'S002', ''], ['sv02', 'S001', ''], ['sv02', 'S002', ''],
  ['sv03', 'K001', ''], ['sv03', 'S003', ''], [DIRECTOR.login, '', 'CD'],
];

// The finding texts the tests look for.
const TEXT = {
  toNotify: '灭火器压力不足',          // S001, OPEN: the notice test issues its notice
  notified: '燃气报警器未按期检测',     // S002, under notice 督办-2026-001
  toVerify: '消毒液过期',              // K001, notice 督办-2026-002, RECTIFIED on its tablet
  contested: '安全出口堵塞',           // S001, described differently on two tablets
  overdue: '楼梯扶手松动',             // S002, its deadline long past: an overdue row
  // Shown as text, never run: a script, an element with a handler, Chinese
  // punctuation.
  hostileTitle: '<script>window.__pwned=1</script>消防通道“堵塞”！',
  hostileDescription: '<img src=x onerror="window.__pwned=1"><b>加粗</b>，【注意】',
};
const NOTICE_REF = {notified: '督办-2026-001', toVerify: '督办-2026-002'};

function csv(rows) { return rows.map((r) => r.join(',')).join('\n') + '\n'; }

// A tablet of `user`: its own database and token, synced once.
async function tablet(suite, user, device) {
  const tok = `${device}.tok`;
  const token = await suite.cli('admin', 'token', 'issue', '--user', user, '--role', 'inspector',
                                '--device', device, '--keys', 'keys', '--db', 's.db');
  fs.writeFileSync(path.join(suite.dir, tok), token);
  const t = {
    db: `${device}.db`,
    run: (...args) => suite.cli('tablet', '--db', `${device}.db`, ...args),
    sync: () => suite.cli('tablet', '--db', `${device}.db`, ...suite.srv(tok), 'sync'),
    // A new OPEN finding; resolves its id.
    add: async (site, title, extra = []) => (await t.run('finding', 'add', '--site', site, '--title', title,
                                                          '--status', 'open', ...extra)).trim(),
    show: (id) => t.run('finding', 'show', id),
  };
  await t.sync();
  return t;
}

// Seeds the district on the suite's running server. Resolves the ids and
// tablets the tests need.
async function seedDistrict(suite) {
  const w = (name, text) => fs.writeFileSync(path.join(suite.dir, name), text);
  const officeTok = await suite.cli('admin', 'token', 'issue', '--user', OFFICE.login, '--role', 'office',
                                    '--device', 'office-pc', '--keys', 'keys', '--db', 's.db');
  w('office.tok', officeTok);
  const SRV = suite.srv('office.tok');
  w('zones.csv', csv([['code', 'name'], ...ZONES]));
  w('sites.csv', csv([['code', 'name', 'kind', 'zone', 'address'], ...SITES]));
  w('users.csv', csv([['code', 'name', 'role'], ...USERS]));
  w('assignments.csv', csv([['user', 'site', 'zone'], ...ASSIGNMENTS]));
  for (const kind of ['zones', 'sites', 'users', 'assignments']) {
    await suite.cli('admin', 'import', kind, `${kind}.csv`, ...SRV);
  }
  for (const who of [OFFICE, DIRECTOR]) await setPassword(suite, who.login, who.password);

  const [t1, t2, t3] = await Promise.all([tablet(suite, 'sv01', 'tablet-1'), tablet(suite, 'sv02', 'tablet-2'),
                                          tablet(suite, 'sv03', 'tablet-3')]);
  const ids = {};
  ids.toNotify = await t1.add('S001', TEXT.toNotify, ['--category', '消防安全', '--severity', 'high',
                                                      '--description', '二楼走廊灭火器压力表指针在红区']);
  ids.notified = await t1.add('S002', TEXT.notified, ['--category', '燃气安全', '--severity', 'high']);
  ids.contested = await t1.add('S001', TEXT.contested, ['--category', '消防安全', '--severity', 'critical',
                                                        '--description', '东侧安全出口堆放桌椅']);
  ids.toVerify = await t3.add('K001', TEXT.toVerify, ['--category', '防疫物资', '--severity', 'medium',
                                                      '--description', '消毒液3瓶已过期']);
  ids.hostile = await t3.add('S003', TEXT.hostileTitle, ['--category', '消防安全', '--severity', 'low',
                                                         '--description', TEXT.hostileDescription]);
  ids.overdue = await t1.add('S002', TEXT.overdue, ['--category', '设施安全', '--severity', 'medium']);
  // A tablet may set a deadline the office could not (already past): overdue.
  await t1.run('finding', 'edit', ids.overdue, '--deadline', '2021-03-01');
  await Promise.all([t1.sync(), t3.sync()]);
  await t2.sync();

  await suite.cli('admin', 'notice', 'issue', '--site', 'S002', '--findings', ids.notified, '--ref',
                  NOTICE_REF.notified, '--deadline', '2030-06-30', '--text', '请于期限内完成整改', ...SRV);
  await suite.cli('admin', 'notice', 'issue', '--site', 'K001', '--findings', ids.toVerify, '--ref',
                  NOTICE_REF.toVerify, '--deadline', '2030-06-30', '--text', '请更换过期消毒液', ...SRV);
  await rectify(t3, ids.toVerify);

  // Two inspectors reword the same finding offline: a conflict for the office.
  await t2.run('finding', 'edit', ids.contested, '--description', '东侧安全出口已清理一半');
  await t1.run('finding', 'edit', ids.contested, '--description', '东侧安全出口仍被桌椅堵塞');
  await t2.sync();
  await t1.sync();
  return {ids, tablets: {t1, t2, t3}, officeTok: 'office.tok'};
}

// The tablet reports the finding rectified (it pulls the notice first).
async function rectify(t, id) {
  await t.sync();
  await t.run('finding', 'edit', id, '--status', 'in_rectification');
  await t.run('finding', 'edit', id, '--status', 'rectified');
  await t.sync();
}

// The console password, as an operator gives it: `admin user set-password`
// on the server's database (a running server reads it at the next sign-in).
async function setPassword(suite, login, password) {
  const file = `${login}.password`;
  fs.writeFileSync(path.join(suite.dir, file), `${password}\n`, {mode: 0o600});
  await suite.cli('admin', 'user', 'set-password', '--user', login, '--password-file', file, '--db', 's.db');
}

module.exports = {seedDistrict, rectify, setPassword, tablet, OFFICE, DIRECTOR, TEXT, NOTICE_REF, SITES, ZONES};
