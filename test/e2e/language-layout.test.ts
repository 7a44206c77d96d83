/**
 * Every page of the admin center, in Debian's Chromium, in Dutch and in English, at 1024 and 1366 px
 * wide: no English text in the Dutch walk, no raw ISO timestamp in either, and no page wider than
 * the window. The pages come from the router (src/admin-ui/app.tsx) and the links the app shows, so
 * a page added later is walked without touching this file; the test fails if a route was not
 * reached. Screenshots: test-output/screenshots/layout-<lang>-<width>-<page>.png.
 *
 * Needs the build (npm run build): the tenant service serves dist/admin-ui.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirSyncStatus } from '../../src/tenant/api/contract.js';
import { AdminApi } from '../support/admin-api.js';
import { eventually, startAllInOne, type RunningAllInOne } from '../support/all-in-one.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

type Tree = { [key: string]: string | Tree };
function values(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(p, value);
    else for (const [k, v] of values(value, p)) out.set(k, v);
  }
  return out;
}
const en = values(JSON.parse(readFileSync('src/admin-ui/i18n/en.json', 'utf8')) as Tree);
const nl = values(JSON.parse(readFileSync('src/admin-ui/i18n/nl.json', 'utf8')) as Tree);

/** The route patterns of the admin center, read from its router. */
function routePatterns(): string[] {
  const source = readFileSync('src/admin-ui/app.tsx', 'utf8');
  const paths = [...source.matchAll(/\bpath:\s*'([^']*)'/g)].map((m) => m[1] ?? '');
  return paths.filter((p) => p !== '/' && p !== '*').map((p) => `/${p}`).concat('/');
}
function patternRegex(pattern: string): RegExp {
  const escaped = pattern.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${escaped}$`);
}

/**
 * English UI strings that Dutch must never show: each English text of en.json that differs from
 * its Dutch one, as a whole-string pattern ({{x}} matches any value).
 */
function englishTemplates(): RegExp[] {
  const out: RegExp[] = [];
  for (const [key, english] of en) {
    const dutch = nl.get(key);
    if (dutch === english) continue;
    const literal = english.split(/\{\{[^}]+\}\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    if (literal.join('').replace(/[^A-Za-z]/g, '').length < 4) continue; // "{{count}} s", too short to tell
    out.push(new RegExp(`^${literal.join('.+')}$`));
  }
  return out;
}
const ENGLISH_TEMPLATES = englishTemplates();

/**
 * Words that give English away in a Dutch page (none of them is a Dutch word or a term the Dutch
 * texts keep, like "on-premises", "tenant", "DirSync" or "agent").
 */
const GIVEAWAYS = [
  // Not here, because Dutch texts use them too: of, open, status, agents, object, was, name (user principal name), client.
  'the', 'and', 'with', 'without', 'from', 'which', 'what', 'when', 'this', 'that', 'these', 'your', 'you', 'are', 'were', 'has', 'have',
  'not', 'none', 'never', 'yes', 'all', 'any', 'must', 'should', 'could', 'will', 'would', 'ago', 'since', 'until', 'last', 'first', 'next',
  'previous', 'user', 'users', 'group', 'groups', 'password', 'passwords', 'error', 'errors', 'sync', 'synced', 'syncing', 'synchronized',
  'enabled', 'disabled', 'search', 'loading', 'show', 'page', 'found', 'settings', 'save', 'cancel', 'close', 'delete', 'deleted', 'remove',
  'create', 'created', 'run', 'running', 'failed', 'failure', 'success', 'succeeded', 'days', 'hours', 'minutes', 'seconds', 'clear',
  'export', 'download', 'copy', 'copied', 'more', 'select', 'sign', 'signed', 'language', 'home', 'rows', 'to', 'by', 'for', 'or',
  'check', 'checks', 'again', 'nothing', 'something', 'there', 'their', 'objects', 'directory', 'mode', 'full', 'started', 'finished',
  'duration', 'kind', 'value', 'healthy', 'warning', 'unknown', 'invalid', 'missing', 'allow', 'allowed', 'hold', 'held',
  'while', 'about', 'into', 'out', 'only', 'also', 'after', 'before', 'each', 'every', 'audit', 'log', 'alerts', 'clients',
  'secret', 'redirect', 'members', 'member', 'history', 'attributes', 'anchor', 'trace', 'action', 'actions', 'filter', 'true', 'false',
];
const GIVEAWAY_RE = new RegExp(`(?<![\\p{L}\\p{N}_@.=/-])(${GIVEAWAYS.join('|')})(?![\\p{L}\\p{N}_@=/-])`, 'iu');

interface Reading { texts: string[]; attributes: string[]; title: string }

/** What a person reads: visible text nodes, and titles, aria-labels, placeholders and alt texts of visible elements. */
async function read(page: Page): Promise<Reading> {
  return page.evaluate(() => {
    const visible = (el: Element | null) => !!el && (el as HTMLElement).checkVisibility?.({ visibilityProperty: true, opacityProperty: false }) !== false;
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const value = (node.textContent ?? '').trim();
      if (!value) continue;
      const parent = node.parentElement;
      if (!parent || parent.closest('script,style,[hidden]') || !visible(parent)) continue;
      // Data values (DNs, names, attribute values) are marked translate="no" where they are shown.
      if (parent.closest('[translate="no"]')) continue;
      texts.push(value);
    }
    const attributes: string[] = [];
    for (const el of document.body.querySelectorAll('[title],[aria-label],[placeholder],[alt]')) {
      if (!visible(el) || el.closest('[translate="no"]')) continue;
      for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
        const value = el.getAttribute(name)?.trim();
        if (value) attributes.push(value);
      }
    }
    return { texts, attributes, title: document.title };
  });
}

/** The strings of a page that are English: an English UI text of en.json, or a giveaway word. */
function englishIn(reading: Reading, data: Set<string>): string[] {
  const all = [...reading.texts, ...reading.attributes, reading.title];
  return [...new Set(all.filter((original) => {
    let text = original;
    if (data.has(text)) return false;
    // The term itself, in parentheses after its abbreviation, as Dutch texts write it.
    text = text.replace(/\(user principal name\)|\(distinguished name\)/gi, '');
    if (/^[\w.+-]+@[\w.-]+$/.test(text) || /^\w+=[^,]+(,\w+=[^,]+)*$/.test(text)) return false; // an address or a DN
    return ENGLISH_TEMPLATES.some((re) => re.test(text)) || GIVEAWAY_RE.test(text);
  }))];
}

async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (rect.width > 0 && rect.right > innerWidth + 1 && culprits.length < 5 && document.documentElement.scrollWidth > innerWidth) {
        culprits.push(`${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''} right=${Math.round(rect.right)}`);
      }
    }
    // The page body scrolls sideways on its own (a table wider than the room it has).
    const main = document.querySelector('main');
    if (main && main.scrollWidth > main.clientWidth + 1) culprits.push(`cell-like: main scrolls sideways ${main.scrollWidth} > ${main.clientWidth}`);
    // A table cell whose text runs over its neighbour (unless cut off with an ellipsis, full text on hover).
    for (const cell of document.querySelectorAll('td, th')) {
      const style = getComputedStyle(cell);
      const cut = style.textOverflow === 'ellipsis' || [...cell.querySelectorAll('*')].some((c) => getComputedStyle(c).textOverflow === 'ellipsis');
      if (!cut && cell.scrollWidth > cell.clientWidth + 1 && culprits.length < 10) {
        culprits.push(`cell "${(cell.textContent ?? '').slice(0, 40)}" ${cell.scrollWidth} > ${cell.clientWidth}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits };
  });
}

let aio: RunningAllInOne;
let browser: Browser;
/** Names and values of the synced sample directory: data, never translated. */
const data = new Set<string>();

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  aio = await startAllInOne({ config: { agent: { intervals: { heartbeatSeconds: 1, deltaMinutes: 60, fullHours: 24, passwordMinutes: 60 } } } });
  const api = await AdminApi.signIn(aio.url, aio.adminUsername, aio.adminPassword);
  await eventually(async () => {
    const status = await api.get<DirSyncStatus>('/api/v1/dirsync/status');
    return status.lastDirectorySync !== null && status.lastPasswordSync !== null;
  }, 60_000, 'the first directory and password sync');
  const groups = await api.get<{ items: Array<{ name: string; description: string | null }> }>('/api/v1/groups?pageSize=200');
  for (const g of groups.items) { data.add(g.name); if (g.description) data.add(g.description); }
  const users = await api.get<{ items: Array<{ displayName: string }> }>('/api/v1/users?pageSize=200');
  for (const u of users.items) data.add(u.displayName);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await aio?.stop();
});

async function signIn(page: Page): Promise<void> {
  await page.goto(`${aio.url}/`);
  await page.getByTestId('sign-in-username').fill(aio.adminUsername);
  await page.getByTestId('sign-in-password').fill(aio.adminPassword);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('page-heading').first().waitFor();
}

async function switchTo(page: Page, lang: 'en' | 'nl'): Promise<void> {
  await page.getByTestId('language-switcher').click();
  await page.getByTestId(`language-${lang}`).click();
  await eventually(async () => (await page.evaluate(() => document.documentElement.lang)).startsWith(lang), 10_000, `the switch to ${lang}`);
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.locator('[data-testid="page-heading"], [data-testid="not-found"]').first().waitFor({ timeout: 15_000 }).catch(() => undefined);
  // Lazy tables and cards: wait until no loading spinner is left.
  await eventually(async () => (await page.locator('[role="progressbar"][aria-busy="true"], .fui-Spinner').count()) === 0, 15_000, 'the page to load').catch(() => undefined);
}

interface PageFinding { path: string; english: string[]; iso: string[]; overflow: string | null }

/** Walks every page the router knows, reached by the links the app shows, with the side-effect-free panes opened. */
async function walk(page: Page, lang: 'en' | 'nl', width: number): Promise<{ visited: Map<string, string>; findings: PageFinding[] }> {
  const patterns = routePatterns();
  const visited = new Map<string, string>(); // pattern -> the path that was visited
  const queue: string[] = ['/'];
  const findings: PageFinding[] = [];
  const check = async (label: string, shotName: string) => {
    const reading = await read(page);
    const everything = [...reading.texts, ...reading.attributes, reading.title];
    const o = await overflow(page);
    findings.push({
      path: label,
      english: lang === 'nl' ? englishIn(reading, data) : [],
      iso: everything.filter((s) => ISO.test(s)),
      overflow: o.scrollWidth > o.innerWidth || o.culprits.some((c) => c.startsWith('cell')) ? `scrollWidth ${o.scrollWidth} / ${o.innerWidth}: ${o.culprits.join(', ')}` : null,
    });
    await page.screenshot({ path: path.join(SCREENSHOTS, `layout-${lang}-${width}-${shotName}.png`), fullPage: true });
  };
  while (queue.length > 0) {
    const next = queue.shift() ?? '/';
    const pattern = patterns.find((p) => patternRegex(p).test(next));
    if (!pattern || visited.has(pattern)) continue;
    visited.set(pattern, next);
    await page.goto(`${aio.url}${next}`);
    await settle(page);
    const name = pattern === '/' ? 'home' : pattern.slice(1).replace(/[/:]/g, '_');
    await check(next, name);
    // The Directory synchronization pane of Active users opens without side effects.
    if (pattern === '/users') {
      await page.getByTestId('more-menu').click();
      await page.getByTestId('menu-directory-synchronization').click();
      await page.getByTestId('dirsync-pane').waitFor();
      await settle(page);
      await check(`${next} (pane)`, 'users-pane');
      await page.keyboard.press('Escape');
    }
    const hrefs = await page.evaluate(() => [...document.querySelectorAll('a[href^="/"]')].map((a) => a.getAttribute('href') ?? ''));
    for (const href of hrefs) {
      const clean = href.split(/[?#]/)[0] ?? href;
      if (!clean.startsWith('/api/') && !clean.startsWith('/oidc/')) queue.push(clean);
    }
  }
  // The catch-all: an address that is no page.
  await page.goto(`${aio.url}/no-such-page`);
  await settle(page);
  await check('/no-such-page', 'not-found');
  return { visited, findings };
}

// The four walks at once, each in its own browser context: most of a walk is waiting for pages to
// go quiet, so together they take little longer than the slowest one.
describe.concurrent.each([
  ['nl', 1366], ['nl', 1024], ['en', 1366], ['en', 1024],
] as const)('every page in %s at %i px', (lang, width) => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // The browser asks for English: the Dutch walk switches with the language picker, as an admin would.
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Amsterdam', viewport: { width, height: 800 } });
    page = await context.newPage();
    await signIn(page);
    await switchTo(page, lang);
  });
  afterAll(async () => { await context?.close(); });

  it('shows no English (in Dutch), no raw ISO timestamp, and nothing wider than the window', async () => {
    const { visited, findings } = await walk(page, lang, width);
    const problems = findings.filter((f) => f.english.length > 0 || f.iso.length > 0 || f.overflow !== null);
    expect(problems).toEqual([]);
    // Every route of the router was reached (a new page without a link to it fails here).
    expect([...routePatterns()].filter((p) => !visited.has(p))).toEqual([]);
    expect(findings.length).toBeGreaterThan(routePatterns().length - 1);
  }, 300_000);
});

describe('the navigation on a narrow screen (800 px)', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await browser.newContext({ locale: 'nl-NL', timezoneId: 'Europe/Amsterdam', viewport: { width: 800, height: 800 } });
    page = await context.newPage();
    await signIn(page);
  });
  afterAll(async () => { await context?.close(); });

  it('folds away behind a menu button that the keyboard opens and closes, with aria-expanded', async () => {
    const toggle = page.getByTestId('nav-toggle');
    const nav = page.getByTestId('main-navigation');
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await toggle.getAttribute('aria-label')).toBe('Menu');
    expect(await nav.isVisible()).toBe(false);
    // Keyboard: focus the button and press Enter.
    await toggle.focus();
    await page.keyboard.press('Enter');
    await nav.waitFor({ state: 'visible' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await toggle.getAttribute('aria-controls')).toBe(await nav.getAttribute('id'));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'layout-nl-800-nav-open.png'), fullPage: true });
    // Escape closes it and gives the focus back to the button.
    await page.getByTestId('nav-troubleshooter').focus();
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('nav-toggle');
    // Choosing a page closes the navigation and shows the page.
    await page.keyboard.press('Space');
    await nav.waitFor({ state: 'visible' });
    await page.getByTestId('nav-troubleshooter').click();
    await page.getByTestId('page-heading').filter({ hasText: 'Probleemoplosser' }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'layout-nl-800-nav-closed.png'), fullPage: true });
  });

  it('keeps the navigation open beside the page on a wide screen, without a menu button', async () => {
    await page.setViewportSize({ width: 1366, height: 800 });
    await page.getByTestId('main-navigation').waitFor({ state: 'visible' });
    expect(await page.getByTestId('nav-toggle').count()).toBe(0);
  });
});
