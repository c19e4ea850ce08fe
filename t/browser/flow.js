#!/usr/bin/env node
// Drives headless Chromium through "Sign in with Threads": opens a
// protected URL, which leads to the Threads stand-in's consent page, clicks
// one of its buttons and follows the browser back to httpd. With button
// "none" it only opens the URL (a callback URL, say).
//
//   node t/browser/flow.js '{"url": "http://127.0.0.1:8080/app/",
//                            "button": "allow"}'
//   node t/browser/flow.js --serve   (one JSON request per line on
//                                     standard input, one answer per line)
//
// Options: url (required), button ("allow", "cancel" or "none"), chromium
// (path, default /usr/bin/chromium), timeout (ms, default 15000),
// waitForLog ({"path": file, "text": text}: keep the page open until the
// file holds the text, for requests the browser makes on its own and
// playwright does not report, such as the favicon's). With --serve,
// Chromium is started once and every flow gets a fresh context (no cookies,
// no cache).
//
// Answers with one JSON object: consent (the consent page's URL, status and
// title, before the click; null with button "none"), final (url, status,
// title, text of the page the browser ends on), documents (every main-frame
// document request: url, method, status, cookie header sent), cookies (the
// browser's cookies for the protected site); or {"error": ...} (exit status
// 1 in single mode). With --serve, the end of standard input closes
// Chromium and a last line tells how its process ended:
// {"chromium": {"code": 0, "signal": null}} (null if it never started).
// Exit status 3: Chromium did not end with status 0.
'use strict';

const fs = require('fs');
const { chromium } = require('playwright-core');

// The flags that work on these machines (see the harness notes); the
// sandbox needs user namespaces that root in a container lacks.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

// Starts Chromium as a server of its own and connects to it: unlike
// chromium.launch(), that keeps hold of its process, so that how Chromium
// ended can be told. Returns { browser, server, exited }, exited a promise
// of { code, signal }.
async function launch(opts) {
  const server = await chromium.launchServer({
    executablePath: opts.chromium || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    timeout: opts.timeout || 15000,
  });
  const proc = server.process();
  const exited = new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
    } else {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
    }
  });
  const browser = await chromium.connect(server.wsEndpoint());
  return { browser, server, exited };
}

// Closes what launch() started; resolves to how Chromium's process ended.
async function stop(chrome) {
  await chrome.browser.close();
  await chrome.server.close();
  return chrome.exited;
}

function endedCleanly(how) {
  return how.code === 0 && how.signal === null;
}

// Resolves once the file at path holds text; rejects after timeout ms.
async function waitForLog(path, text, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    let content = '';
    try {
      content = fs.readFileSync(path, 'utf8');
    } catch (e) {
      // Not written yet.
    }
    if (content.includes(text)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`${path} did not get ${JSON.stringify(text)} in ` +
                      `${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Clicks the consent page's button and waits until the browser is back on
// the protected site (the callback and whatever it leads to: redirects are
// not committed, so that is the last document). Returns the consent page
// as it was before the click.
async function consent(page, first, target, button) {
  const seen = { url: page.url(), status: first ? first.status() : null,
                 title: await page.title() };
  const selector = `button[name="decision"][value="${button}"]`;
  if (await page.locator(selector).count() !== 1) {
    throw new Error(`no ${button} button on ${page.url()}: ` +
                    (await page.content()).slice(0, 2000));
  }
  const back = page.waitForURL((u) => u.host === target.host,
                               { waitUntil: 'load' });
  await page.click(selector);
  await back;
  return seen;
}

async function flow(browser, opts) {
  const target = new URL(opts.url);
  const button = opts.button || 'allow';
  const timeout = opts.timeout || 15000;
  const context = await browser.newContext({
    // The stand-in's certificate comes from the tests' own CA.
    ignoreHTTPSErrors: true,
  });
  const documents = [];
  const pending = [];
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    page.on('request', (req) => {
      if (!req.isNavigationRequest() || req.frame() !== page.mainFrame()) {
        return;
      }
      const entry = { url: req.url(), method: req.method(), status: null,
                      cookie: null };
      documents.push(entry);
      pending.push(req.allHeaders().then((h) => {
        entry.cookie = h.cookie === undefined ? null : h.cookie;
      }, () => {}));
      pending.push(req.response().then((resp) => {
        if (resp) {
          entry.status = resp.status();
        }
      }, () => {}));
    });

    const first = await page.goto(opts.url, { waitUntil: 'load' });
    const seen = button === 'none' ? null
      : await consent(page, first, target, button);
    await Promise.all(pending);
    if (opts.waitForLog) {
      await waitForLog(opts.waitForLog.path, opts.waitForLog.text, timeout);
    }
    const last = documents.length ? documents[documents.length - 1] : null;
    return {
      consent: seen,
      final: {
        url: page.url(),
        status: last ? last.status : null,
        title: await page.title(),
        text: await page.evaluate(() => (document.body
          ? document.body.innerText : '')),
      },
      documents,
      cookies: await context.cookies(target.origin),
    };
  } finally {
    await context.close();
  }
}

function errorOf(e) {
  return { error: String((e && e.stack) || e) };
}

async function single(arg) {
  let opts;
  try {
    opts = JSON.parse(arg);
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: 'usage: flow.js <json> | '
                                          + '--serve' }) + '\n');
    return 2;
  }
  let chrome;
  let status;
  try {
    chrome = await launch(opts);
    const out = await flow(chrome.browser, opts);
    process.stdout.write(JSON.stringify(out) + '\n');
    status = 0;
  } catch (e) {
    process.stdout.write(JSON.stringify(errorOf(e)) + '\n');
    status = 1;
  }
  if (chrome) {
    const how = await stop(chrome);
    if (!endedCleanly(how)) {
      process.stderr.write(`chromium ended with ${JSON.stringify(how)}\n`);
      status = status || 3;
    }
  }
  return status;
}

async function serve() {
  const readline = require('readline');
  const lines = readline.createInterface({ input: process.stdin });
  let chrome = null;
  for await (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    let out;
    try {
      const opts = JSON.parse(line);
      if (chrome === null) {
        chrome = await launch(opts);
      }
      out = await flow(chrome.browser, opts);
    } catch (e) {
      out = errorOf(e);
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  // The last line says how Chromium ended (null: it never started).
  const how = chrome === null ? null : await stop(chrome);
  process.stdout.write(JSON.stringify({ chromium: how }) + '\n');
  return how === null || endedCleanly(how) ? 0 : 3;
}

(process.argv[2] === '--serve' ? serve() : single(process.argv[2] || ''))
  .then((code) => { process.exitCode = code; });
