import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type MonitorFixture, startMonitorFixture, validReport } from '../integration/job-monitor-fixture';
import { findChromium, HEADLESS_ARGS } from './find-chromium';
import { distinctCharacterBoxes, glyphVariety, JAPANESE } from './glyphs';
import { japaneseFontConfig } from './japanese-font';
import { readPng } from './png-pixels';

/** The /incidents page in a real Chromium at phone size, with HTTP Basic auth as a person uses it. */
const PHONE = { width: 390, height: 844 };
const ERROR_RED: [number, number, number] = [0xd3, 0x2f, 0x2f]; // .badge and .job-error in incidents-page.ts
/** Ink spread among distinct characters above which they are real glyphs (boxes stay below 0.05, glyphs reach ~0.8). */
const GLYPH_VARIETY = 0.4;
const NONCHARACTERS = [0xfdd0, 0xfdd1, 0xfdd2, 0xfdd3, 0xfdd4, 0xfdd5];
/** Where the phone screenshot is kept for people to look at. */
const SCREENSHOT_PATH = path.join(os.tmpdir(), 'nightshift-incidents-phone.png');

describe('/incidents in a browser', () => {
  let api: MonitorFixture;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const chromiumFound = await findChromium();
    api = await startMonitorFixture({ now: new Date('2025-08-11T06:00:00Z') });
    const report = (fields: Record<string, unknown>) => api.report(validReport(api, fields));
    for (const hour of ['01', '02', '03']) {
      await report({
        job_key: 'nightly-ok',
        title: '夜間集計',
        finished_at: `2025-08-11T${hour}:00:00Z`,
        message: `run ${hour}`,
      });
    }
    await report({ job_key: 'csv-export', title: 'CSV 出力', status: 'success', finished_at: '2025-08-11T04:00:00Z' });
    await report({
      job_key: 'csv-export',
      title: 'CSV 出力',
      status: 'error',
      finished_at: '2025-08-11T05:00:00Z',
      message: '<script>window.pwned=1</script> FTP 530',
    });
    await report({
      job_key: 'old-error',
      title: '古いエラー',
      status: 'error',
      finished_at: '2025-08-10T23:00:00Z',
      message: 'timeout',
    });
    await report({ job_key: 'slow-sync', title: '同期', finished_at: '2025-08-11T00:00:00Z' });
    const slow = await api.store.getLatest('slow-sync');
    await api.store.markLate('slow-sync', '2025-08-11T01:10:00.000Z', slow!.updatedAt);

    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumFound.executablePath,
      env: { ...process.env, FONTCONFIG_FILE: await japaneseFontConfig() },
      headless: true,
      args: HEADLESS_ARGS,
      viewport: PHONE,
      deviceScaleFactor: 1,
      // Sent only after the page's 401 Basic challenge, as a browser does when a person types the token.
      httpCredentials: { username: 'oncall', password: api.readToken },
    });
    page = context.pages()[0] ?? (await context.newPage());
    const response = await page.goto(`${api.url}/incidents`);
    if (response?.status() !== 200) throw new Error(`/incidents answered ${response?.status()}`);
  });

  afterAll(async () => {
    await context?.close();
    await api?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it('puts error jobs on top, newest first, then late jobs, then the rest', async () => {
    const order = await page.$$eval('article.job', (cards) => cards.map((card) => card.getAttribute('data-job-key')));

    expect(order).toEqual(['csv-export', 'old-error', 'slow-sync', 'nightly-ok']);
  });

  it('shows the error count badge', async () => {
    expect(await page.locator('#error-badge').textContent()).toBe('2');
  });

  it('shows times in JST', async () => {
    const last = await page.locator('article[data-job-key="csv-export"] .last').textContent();

    expect(last).toContain('2025-08-11 14:00:00 JST');
  });

  it('shows each job’s recent history', async () => {
    const runs = await page.locator('article[data-job-key="nightly-ok"] ol.history li').allTextContents();

    expect(runs).toHaveLength(3);
    expect(runs[0]).toContain('2025-08-11 12:00:00 JST');
  });

  it('shows a reported script as text instead of running it', async () => {
    expect(await page.evaluate('window.pwned')).toBeUndefined(); // a string: tsconfig has no DOM types
    expect(await page.locator('article[data-job-key="csv-export"] .message').textContent()).toContain('<script>');
  });

  it('fits a phone screen without sideways scrolling', async () => {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  });

  it('renders a phone-sized screenshot with the error red in the badge and the first card', async () => {
    const png = await page.screenshot();
    await writeFile(SCREENSHOT_PATH, png);
    const pixels = readPng(png);
    const badge = await page.locator('#error-badge').boundingBox();
    const card = await page.locator('article.job').first().boundingBox();
    const isErrorRed = ([r, g, b]: number[]) =>
      Math.abs(r - ERROR_RED[0]) < 12 && Math.abs(g - ERROR_RED[1]) < 12 && Math.abs(b - ERROR_RED[2]) < 12;

    expect([pixels.width, pixels.height]).toEqual([PHONE.width, PHONE.height]);
    expect(badge && card).toBeTruthy();
    expect(isErrorRed(pixels.at(Math.round(badge!.x + 3), Math.round(badge!.y + badge!.height / 2)))).toBe(true);
    // The card's 6px left border carries the state colour.
    expect(isErrorRed(pixels.at(Math.round(card!.x + 2), Math.round(card!.y + card!.height / 2)))).toBe(true);
    expect(isErrorRed(pixels.at(Math.round(card!.x + card!.width / 2), Math.round(card!.y + 4)))).toBe(false);
  });

  it('draws the Japanese job titles as glyphs, not boxes, in the phone screenshot', async () => {
    const pixels = readPng(await page.screenshot());
    const characters = await distinctCharacterBoxes(page, 'article.job h3', JAPANESE);
    const { variety, leastInk } = glyphVariety(pixels, characters);

    expect(characters.map((box) => box.character).join('')).toBe('出力古いエラー同期');
    expect(leastInk).toBeGreaterThan(0);
    expect(variety).toBeGreaterThan(GLYPH_VARIETY);
  });

  it('tells boxes from glyphs: characters no font has are drawn as alike boxes', async () => {
    const control = await context.newPage();
    // Noncharacters (U+FDD0...) never get a glyph, so this is what a missing Japanese font looks like.
    await control.setContent(
      `<h3 style="font:bold 17px system-ui,sans-serif">${String.fromCodePoint(...NONCHARACTERS)}</h3>`,
    );
    const pixels = readPng(await control.screenshot());
    const boxes = await distinctCharacterBoxes(control, 'h3', /\p{Cn}/u);
    const { variety, leastInk } = glyphVariety(pixels, boxes);
    await control.close();

    expect(boxes).toHaveLength(NONCHARACTERS.length);
    expect(leastInk).toBeGreaterThan(0);
    expect(variety).toBeLessThan(GLYPH_VARIETY);
  });
});
