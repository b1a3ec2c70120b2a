// Drives the Relive status page in headless Chromium; see scripts/ui-test.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, configFile, screenshot] = process.argv.slice(2);
const TIMEOUT = 20000;
let checks = 0;

function check(condition, what) {
  if (!condition) throw new Error('status page: ' + what);
  checks++;
  console.log('ok - ' + what);
}

function edit(from, to) {
  const text = fs.readFileSync(configFile, 'utf8');
  if (!text.includes(from)) throw new Error('config.yaml has no "' + from + '"');
  const tmp = path.join(path.dirname(configFile), '.ui-test.tmp');
  fs.writeFileSync(tmp, text.replace(from, to));
  fs.renameSync(tmp, configFile);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(url);
    await page.waitForSelector('#version[data-version="1"]');
    check(!page.url().includes('token='), 'the token is taken out of the address bar');
    check((await page.textContent('#badge')) === 'OK', 'the badge says OK');
    check((await page.textContent('#files')).includes('config.yaml'), 'the watched file is listed');

    edit('name: world', 'name: Chromium');
    await page.waitForSelector('#version[data-version="2"]');
    check(true, 'the open page shows version 2 after an edit, without a reload');
    await page.waitForFunction(() => document.querySelector('#history').textContent.includes('greeting.name: "world" → "Chromium"'));
    check(true, 'the history shows the diff of version 2');

    edit('burst: 5', 'burst: [5');
    await page.waitForSelector('#rejection:not([hidden])');
    const problems = await page.textContent('#problems');
    check(/config\.yaml:\d+:\d+/.test(problems), 'the rejection shows its origin: ' + problems.trim().split('\n')[0]);
    check((await page.getAttribute('#version', 'data-version')) === '2', 'version 2 keeps serving');
    check(!(await page.content()).includes('demo-secret-token'), 'the page shows no secret');

    await page.screenshot({ path: screenshot, fullPage: true });
    check(fs.statSync(screenshot).size > 10000, 'screenshot saved to ' + screenshot);

    const stranger = await browser.newPage();
    await stranger.goto(url.replace(/#token=.*/, '#token=not-the-token'));
    await stranger.waitForSelector('#login:not([hidden])');
    check((await stranger.textContent('#login-error')).includes('not accepted'), 'a wrong token gets the login form');
    console.log(checks + ' passed, 0 failed');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e.message);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
