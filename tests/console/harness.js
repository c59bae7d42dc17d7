// The browser tests' harness: one real `inspectsync server` (TLS, console
// listener on its own loopback port) in a temp dir per suite, a district
// seeded through the `inspectsync` command line only, ONE headless Chromium
// per suite and a fresh incognito context per test, with screenshots of each
// test's key steps under the build tree and, when a test fails, a screenshot
// and the page's console log beside them.
//
// Environment (set by tests/console/CMakeLists.txt):
//   INSPECTSYNC_BIN       the inspectsync binary under test (required)
//   CONSOLE_SCREENSHOTS   where screenshots go (default: ./screenshots)
//   CHROMIUM              the browser (default /usr/bin/chromium)
//   KEEP_TMP=1            keep the temp dir (its path is printed)
'use strict';

const {spawn, execFile} = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const {test} = require('node:test');
const puppeteer = require('puppeteer-core');

// Absolute: the server and the CLI run in the suite's temp dir.
const BIN = process.env.INSPECTSYNC_BIN && path.resolve(process.env.INSPECTSYNC_BIN);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.CONSOLE_SCREENSHOTS || path.resolve('screenshots');
// Every wait is for a condition (a selector, a response, a process line);
// this bound only turns a hang into a failure that says what it waited for.
// Generous: the same tests run against the sanitizer builds.
const WAIT_MS = Number(process.env.CONSOLE_WAIT_MS || 20000);

class Server {
  constructor(dir) {
    this.dir = dir;
    this.proc = null;
    this.log = '';
    this.grpc = '';        // HOST:PORT of the sync server (tablets, CLI)
    this.url = '';         // https://127.0.0.1:PORT of the console
  }

  // Starts `inspectsync server` (both listeners on port 0) and resolves
  // once it has said where it listens: the gRPC address and the console's.
  async start(extraFlags = []) {
    const args = ['server', '--listen', '127.0.0.1:0', '--db', 's.db', '--certs', 'certs', '--token-keys', 'keys',
                  '--grace-s', '2', '--console-listen', '127.0.0.1:0', ...extraFlags];
    this.log = '';
    this.proc = spawn(BIN, args, {cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe']});
    const exited = new Promise((resolve) => {
      this.proc.once('exit', (code) => resolve({exited: code}));
      this.proc.once('error', (e) => resolve({exited: e.message}));  // e.g. no such binary
    });
    const listening = new Promise((resolve) => {
      const onData = (chunk) => {
        this.log += chunk.toString();
        const grpc = /listening on (127\.0\.0\.1:\d+)/.exec(this.log);
        const console = /office console: (https?:\/\/127\.0\.0\.1:\d+)/.exec(this.log);
        if (grpc && console) resolve({grpc: grpc[1], url: console[1]});
      };
      this.proc.stdout.on('data', onData);
      this.proc.stderr.on('data', onData);
    });
    const first = await Promise.race([listening, exited]);
    if (first.exited !== undefined) throw new Error(`inspectsync server exited (${first.exited}) on start:\n${this.log}`);
    this.grpc = first.grpc;
    this.url = first.url;
    await this.waitForConsolePort();
  }

  // The server prints its addresses once both listen; one connection proves
  // the console's (bounded by WAIT_MS, should that ever change).
  async waitForConsolePort() {
    const {hostname, port} = new URL(this.url);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const ok = await new Promise((resolve) => {
        const s = net.connect(Number(port), hostname, () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
      });
      if (ok) return;
      if (this.proc.exitCode !== null) throw new Error(`inspectsync server exited:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`the console never listened on ${this.url}:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // SIGTERM, as an operator stops it; resolves its exit code (null when it
  // had to be killed; 0 when it was not running: a server that died earlier
  // failed the step that needed it). A server that exits badly on SIGTERM (a
  // sanitizer report, a crash on shutdown) fails the suite.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return 0;
    const exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

// Runs the inspectsync command line in the suite's dir; resolves its stdout,
// rejects with the command, its exit code and both outputs.
function runCli(dir, args) {
  return new Promise((resolve, reject) => {
    execFile(BIN, args, {cwd: dir, maxBuffer: 64 << 20}, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`inspectsync ${args.join(' ')}: exit ${err.code}\n${stderr}\n${stdout}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

function safeName(s) {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'test';
}

// One suite: its server, its temp dir, its Chromium. `setup` seeds it.
class Suite {
  constructor(name) {
    this.name = name;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `inspectsync-console-${name}-`));
    this.server = new Server(this.dir);
    this.browser = null;
    this.shotDir = path.join(SHOTS, safeName(name));
  }

  cli(...args) { return runCli(this.dir, args); }

  // The server's TLS flags for a CLI call with the given token file.
  srv(tokenFile) {
    return ['--server', this.server.grpc, '--ca', 'certs/ca.pem', '--token-file', tokenFile];
  }

  async start(extraFlags = []) {
    if (!BIN) throw new Error('INSPECTSYNC_BIN is not set (tests/console/CMakeLists.txt sets it)');
    fs.rmSync(this.shotDir, {recursive: true, force: true});
    fs.mkdirSync(this.shotDir, {recursive: true});
    await this.server.start(extraFlags);
    // Root in a container needs --no-sandbox. The background services'
    // connections would only be refused on a closed network: switched off.
    this.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      acceptInsecureCerts: true,  // the server's development CA is not the system's
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--ignore-certificate-errors', '--lang=zh-CN'],
      defaultViewport: {width: 1366, height: 900},
    });
  }

  async stop() {
    if (this.browser) await this.browser.close().catch(() => {});
    const code = await this.server.stop();
    if (process.env.KEEP_TMP) {
      console.error(`kept ${this.dir}`);
    } else {
      fs.rmSync(this.dir, {recursive: true, force: true});
    }
    if (code !== 0) throw new Error(`inspectsync server exited ${code} on SIGTERM:\n${this.server.log.slice(-6000)}`);
  }

  // A browser test: fn(ctx) gets {page, shot(label), console: [...lines],
  // suite}. A fresh incognito context each time; an uncaught exception in the
  // page fails the test; on failure a screenshot and
  // the page's console log (and the server's log tail) are saved and the
  // error rethrown with where to find them.
  test(name, fn, options = {}) {
    test(name, {timeout: options.timeout || 120000}, async () => {
      const context = await this.browser.createBrowserContext();
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      const lines = [];
      page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => lines.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
      let step = 0;
      const base = safeName(name);
      const shot = async (label) => {
        step += 1;
        const file = path.join(this.shotDir, `${base}-${String(step).padStart(2, '0')}-${safeName(label)}.png`);
        await page.screenshot({path: file, fullPage: true});
        return file;
      };
      try {
        await fn({page, shot, console: lines, suite: this});
        // An exception the console's own scripts did not catch is a failure
        // even when the page looked right.
        const thrown = lines.filter((l) => l.startsWith('pageerror:'));
        if (thrown.length) throw new Error(`the page threw: ${thrown.join(' | ')}`);
      } catch (err) {
        const file = path.join(this.shotDir, `${base}-FAILED.png`);
        await page.screenshot({path: file, fullPage: true}).catch(() => {});
        const log = path.join(this.shotDir, `${base}-FAILED.console.txt`);
        fs.writeFileSync(log, `${lines.join('\n')}\n--- server log (tail)\n${this.server.log.slice(-4000)}\n`);
        err.message += `\n  screenshot: ${file}\n  console log: ${log}\n  page console:\n    ${lines.slice(-20).join('\n    ')}`;
        throw err;
      } finally {
        await context.close().catch(() => {});
      }
    });
  }
}

module.exports = {Suite, WAIT_MS, runCli};
