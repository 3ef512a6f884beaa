// The residents' pages as a person uses them, in Debian's Chromium driven by
// playwright-core: keyboard-only filtering, an event, the subscribe field,
// the language switch; axe-core on every page type in both languages;
// html-validate on every page's HTML; screenshots at 360 and 1280 px.
//
// usage: node pages_browser.mjs BASE_URL SCREENSHOT_DIR PAGES_JSON
// PAGES_JSON names the page types to check: {"name": "/path", ...}.
// Prints one JSON object (see `result` below) on standard output.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { HtmlValidate } from 'html-validate';

const require = createRequire(import.meta.url);
const [base, shots, pagesJson] = process.argv.slice(2);
const pageTypes = JSON.parse(pagesJson);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
const result = { flows: {}, axe: {}, html: {}, widths: {}, screenshots: [], csp: [] };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// Bounded: a step that hangs fails the test rather than CI.
const TIMEOUT = 15000;

async function newPage(locale, width = 1280) {
  const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) result.csp.push(m.text());
  });
  return page;
}

// Presses Tab until `selector` has the focus; false after `limit` presses.
async function tabTo(page, selector, limit = 200) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
  }
  return false;
}

// Moves a focused <select> with the arrow keys until it shows `value`.
async function arrowTo(page, value, limit = 100) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate(() => document.activeElement.value) === value) return true;
    await page.keyboard.press('ArrowDown');
  }
  return false;
}

function shown(page) {
  return page.$$eval('.events h3 a', (links) => links.map((a) => ({
    title: a.textContent,
    uid: decodeURIComponent(new URL(a.href).pathname.split('/').pop()),
  })));
}

// The French flow, with the keyboard alone.
async function frenchFlow(municipality, category) {
  const page = await newPage('fr-CA');
  const flow = {};
  await page.goto(base + '/');
  flow.lang = await page.getAttribute('html', 'lang');
  await page.keyboard.press('Tab');
  flow.skip_link_first = await page.evaluate(() => document.activeElement.className === 'skip');
  await page.keyboard.press('Enter');
  flow.skip_to_main = await page.evaluate(() => document.activeElement.id === 'main');
  flow.focus_visible = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  });
  flow.reached_municipality = await tabTo(page, '#f-municipality');
  flow.chose_municipality = await arrowTo(page, municipality);
  flow.reached_category = await tabTo(page, '#f-category');
  flow.chose_category = await arrowTo(page, category);
  flow.reached_submit = await tabTo(page, '.filters button[type=submit]');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  flow.filtered_url = page.url();
  flow.shown = await shown(page);
  flow.count = await page.textContent('.count');
  flow.subscribe_url = await page.inputValue('#subscribe-url');
  flow.webcal = await page.getAttribute('.subscribe-webcal', 'href');
  flow.google = await page.getAttribute('.subscribe-google', 'href');
  flow.atom = new URL(await page.getAttribute('.subscribe-atom', 'href'), base).href;
  // An event, by keyboard too.
  flow.reached_event = await tabTo(page, '.events h3 a');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  flow.event_url = page.url();
  flow.event_title = await page.textContent('h1');
  flow.event_json_ld = JSON.parse(await page.textContent('script[type="application/ld+json"]'));
  flow.event_ics = new URL(await page.getAttribute('.add a[type="text/calendar"]', 'href'), base).href;
  await page.goBack();
  // The language switch keeps the filter.
  await Promise.all([page.waitForNavigation(), page.click('header nav a[hreflang=en]')]);
  flow.english_url = page.url();
  flow.english_lang = await page.getAttribute('html', 'lang');
  flow.english_shown = await shown(page);
  flow.english_subscribe_url = await page.inputValue('#subscribe-url');
  await page.context().close();
  return flow;
}

result.flows.fr = await frenchFlow(process.env.FLOW_MUNICIPALITY || 'danville',
                                   process.env.FLOW_CATEGORY || 'culture');

// First visits: Accept-Language picks the language of the home page.
{
  const page = await newPage('en-CA');
  await page.goto(base + '/');
  result.flows.first_visit_english = { url: page.url(), lang: await page.getAttribute('html', 'lang') };
  await page.goto(base + '/');  // the cookie the page set now says English
  await page.click('header nav a[hreflang=fr]');
  await page.goto(base + '/');
  result.flows.chosen_french_stays = { url: page.url(), lang: await page.getAttribute('html', 'lang') };
  await page.context().close();
}

// Another site with both widget snippets (HOST_URL): the iframe fits its
// content, the element lists the feed's events; without JavaScript the
// element's link remains.
if (process.env.HOST_URL) {
  const page = await newPage('fr-CA');
  await page.goto(process.env.HOST_URL);
  const frame = page.locator('iframe');
  await page.waitForFunction(() => document.querySelector('iframe').style.height !== '400px',
                             null, { timeout: TIMEOUT });
  const element = await page.waitForFunction(() => {
    const root = document.querySelector('babillard-events').shadowRoot;
    return root && root.querySelectorAll('li').length > 0 &&
      [...root.querySelectorAll('li a')].map((a) => ({ text: a.textContent, href: a.href }));
  }, null, { timeout: TIMEOUT });
  result.widget = {
    frame_height: await frame.evaluate((f) => f.getBoundingClientRect().height),
    frame_content_height: await page.frames()[1].evaluate(() => document.documentElement.scrollHeight),
    frame_titles: await page.frames()[1].$$eval('.widget-events a', (as) => as.map((a) => a.textContent)),
    element_links: await element.jsonValue(),
    fallback_in_light_dom: await page.$eval('babillard-events > a', (a) => a.href),
  };
  await page.context().close();
  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto(process.env.HOST_URL);
  result.widget.no_js_fallback_visible = await plain.isVisible('babillard-events > a');
  result.widget.no_js_frame_titles = await plain.frames()[1].$$eval('.widget-events a', (as) => as.length);
  await context.close();
}

// Every page type: axe (WCAG 2.1 A and AA), the validator, both widths.
for (const [name, target] of Object.entries(pageTypes)) {
  for (const width of [360, 1280]) {
    const page = await newPage(name.startsWith('en') ? 'en-CA' : 'fr-CA', width);
    const response = await page.goto(base + target);
    const status = response.status();
    if (width === 1280) {
      await page.evaluate(axeSource + '\n;undefined');
      const axe = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      }));
      result.axe[name] = {
        status,
        passes: axe.passes.length,
        violations: axe.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
      };
      // The dark scheme (prefers-color-scheme) has its own colours to check.
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2aa', 'wcag21aa'] },
      }));
      result.axe[`${name} (dark)`] = {
        status,
        passes: dark.passes.length,
        background: await page.evaluate(() => getComputedStyle(document.body).backgroundColor),
        violations: dark.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
      };
      await page.emulateMedia({ colorScheme: 'light' });
      const html = await response.text();
      const report = await validator.validateString(html);
      result.html[name] = {
        bytes: Buffer.byteLength(html),
        valid: report.valid,
        messages: report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`)).slice(0, 20),
      };
      // Every element with text has a language (the page's or its own).
      result.html[name].lang = await page.evaluate(() => document.documentElement.lang);
    }
    result.widths[`${name}@${width}`] = await page.evaluate(() => document.documentElement.scrollWidth);
    const file = path.join(shots, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    result.screenshots.push(file);
    await page.context().close();
  }
}

await browser.close();
process.stdout.write(JSON.stringify(result));
