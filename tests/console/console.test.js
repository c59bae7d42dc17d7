// The office console in headless Chromium: ONE server with the seeded
// district and ONE browser for every test here (a fixture shared, as CI's
// budget asks), a fresh incognito context per test. The areas' tests live in
// session.js, problems.js and workflow.js; each works on its own findings of
// the district. They run in this order (node:test runs a file's tests one
// after another): the glance counts of problems.js see the conflict that
// workflow.js settles later.
'use strict';

const {before, after} = require('node:test');
const {Suite} = require('./harness');
const {seedDistrict} = require('./district');

const suite = new Suite('console');
before(async () => {
  await suite.start();
  suite.world = await seedDistrict(suite);
});
after(() => suite.stop());

require('./session')(suite);
require('./problems')(suite);
require('./workflow')(suite);
