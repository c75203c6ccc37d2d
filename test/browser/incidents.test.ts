import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { renderIncidentsPage } from '../../lambdas/job-monitor/incidents-page';
import { parseBuiltInJobs } from '../../lambdas/job-monitor/job-actions';
import { countJobs } from '../../lambdas/job-monitor/job-views';
import { PAGE_CONTENT_SECURITY_POLICY } from '../../lambdas/job-monitor/page-shell';
import { OUTCOME_COLORS } from '../../lambdas/job-monitor/run-charts';
import { builtInJobInfos } from '../../lib/built-in-jobs';
import { JOBS } from '../../lib/jobs';
import { type MonitorFixture, startMonitorFixture, validReport } from '../integration/job-monitor-fixture';
import { FIXTURE_NOW, jobsInEveryState, jobView, ticks } from '../support/job-view-fixtures';
import { findChromium, HEADLESS_ARGS } from './find-chromium';
import { distinctCharacterBoxes, glyphVariety, JAPANESE } from './glyphs';
import { japaneseFontConfig } from './japanese-font';
import { readPng } from './png-pixels';

/** /incidents and a job page in a real Chromium, with HTTP Basic auth as a person uses them. */
const DESKTOP = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };
/** Ink spread among distinct characters above which they are real glyphs (boxes stay below 0.05, glyphs reach ~0.8). */
const GLYPH_VARIETY = 0.4;
const NONCHARACTERS = [0xfdd0, 0xfdd1, 0xfdd2, 0xfdd3, 0xfdd4, 0xfdd5];
/** Screenshots are kept here for people to look at. */
const SCREENSHOTS = path.join(os.tmpdir(), 'nightshift-incidents');
const MUTED_GREY = 'rgb(236, 239, 241)'; // .row.muted in page-shell.ts

const rgb = (hex: string) =>
  `rgb(${[1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16)).join(', ')})`;
const near = (pixel: number[], hex: string) =>
  [1, 3, 5].every((start, index) => Math.abs(pixel[index] - Number.parseInt(hex.slice(start, start + 2), 16)) < 16);
/** The computed fill of each element matching `selector`. */
const fills = (page: Page, selector: string) =>
  page.$$eval(selector, (elements) =>
    elements.map(
      (element) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(element).fill,
    ),
  );
const rowKeys = (page: Page) => page.$$eval('.row.job', (rows) => rows.map((row) => row.getAttribute('data-job-key')));

describe('/incidents in a browser', () => {
  let api: MonitorFixture;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const chromiumFound = await findChromium();
    api = await startMonitorFixture({
      now: new Date('2025-08-11T06:00:00Z'),
      page: {
        stage: null,
        region: null,
        runbookUrl: null,
        builtInJobs: parseBuiltInJobs(JSON.stringify(builtInJobInfos(JOBS))),
      },
    });
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
    // A run in flight: started, not reported yet.
    await fetch(`${api.url}/api/monitor/job-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tc-portal-webhook-secret': api.writeSecret },
      body: JSON.stringify({ job_key: 'nightly-ok', started_at: '2025-08-11T05:58:00Z' }),
    });
    // A muted job: its runs still show, greyed.
    await fetch(`${api.url}/api/monitor/jobs/old-error/mute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tc-portal-webhook-secret': api.writeSecret },
      body: JSON.stringify({ until: '2025-08-12T00:00:00Z', reason: 'タイムアウト調査中' }),
    });
    // A built-in job that has not run yet.
    await api.store.expectations.put({
      jobKey: 'ftp-export',
      crons: ['*/15 * * * *'],
      timezone: 'Asia/Tokyo',
      graceMinutes: 10,
      title: '来場者数 FTPS 出力',
      source: 'registry',
    });
    // Enough jobs to fill more than a screen.
    for (let index = 0; index < 16; index += 1) {
      await report({
        job_key: `batch-${String(index).padStart(2, '0')}`,
        title: `バッチ ${index}`,
        finished_at: '2025-08-11T05:30:00Z',
      });
    }

    await rm(SCREENSHOTS, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(SCREENSHOTS, { recursive: true }));
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumFound.executablePath,
      env: { ...process.env, FONTCONFIG_FILE: await japaneseFontConfig() },
      headless: true,
      args: HEADLESS_ARGS,
      viewport: DESKTOP,
      deviceScaleFactor: 1,
      // Sent only after the page's 401 Basic challenge, as a browser does when a person types the token.
      httpCredentials: { username: 'oncall', password: api.readToken },
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.clock.install({ time: new Date('2025-08-11T06:00:00Z') });
    const response = await page.goto(`${api.url}/incidents`);
    if (response?.status() !== 200) throw new Error(`/incidents answered ${response?.status()}`);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await api?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it('puts error jobs on top, newest first, then late jobs, then the rest', async () => {
    const keys = await rowKeys(page);

    expect(keys.slice(0, 3)).toEqual(['csv-export', 'old-error', 'slow-sync']);
    expect(keys).toHaveLength(21);
    expect(await page.locator('#error-badge').textContent()).toBe('2');
  });

  it('fits at least 15 job rows on a 1920×1080 first screen', async () => {
    const bottoms = await page.$$eval('.row.job', (rows) =>
      rows.map(
        (row) => (row as unknown as { getBoundingClientRect(): { bottom: number } }).getBoundingClientRect().bottom,
      ),
    );

    expect(bottoms.filter((bottom) => bottom <= DESKTOP.height).length).toBeGreaterThanOrEqual(15);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(DESKTOP.width);
  });

  it('draws the run ticks and the duration sparkline in their outcome colours, titled in JST', async () => {
    const csv = 'div.row[data-job-key="csv-export"]';

    expect(await fills(page, `${csv} .timeline .tick.o-error`)).toEqual([
      rgb(OUTCOME_COLORS.error),
      rgb(OUTCOME_COLORS.error),
    ]);
    expect(await fills(page, `${csv} .timeline .tick.o-success`)).toEqual([
      rgb(OUTCOME_COLORS.success),
      rgb(OUTCOME_COLORS.success),
    ]);
    expect(await fills(page, 'div.row[data-job-key="nightly-ok"] .timeline .tick.o-running')).toContain(
      rgb(OUTCOME_COLORS.running),
    );
    expect(await page.locator(`${csv} .timeline .tick.o-error title`).first().textContent()).toContain(
      '08/11 14:00 JST · エラー',
    );
    // Reports with a start have a duration: the started run of nightly-ok is in flight, so none has one yet here.
    expect(await page.locator('.sparkline').count()).toBe(0);

    const png = await page.screenshot();
    await writeFile(path.join(SCREENSHOTS, 'desktop.png'), png);
    const pixels = readPng(png);
    const tick = await page.locator(`${csv} .timeline .tick.o-error`).first().boundingBox();
    expect(
      near(
        pixels.at(Math.round(tick!.x + tick!.width / 2), Math.round(tick!.y + tick!.height / 2)),
        OUTCOME_COLORS.error,
      ),
    ).toBe(true);
  });

  it('greys a muted job and says why and until when', async () => {
    const muted = page.locator('div.row[data-job-key="old-error"]');
    const background = await muted.evaluate(
      (row) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(row)
          .backgroundColor,
    );

    expect(background).toBe(MUTED_GREY);
    expect(await muted.locator('.pill').first().textContent()).toBe('ミュート中');
    expect(await muted.locator('.note').textContent()).toBe('ミュート: タイムアウト調査中 (08/12 09:00 JST まで)');
    expect(
      await page
        .locator('div.row[data-job-key="csv-export"]')
        .evaluate(
          (row) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(
              row,
            ).backgroundColor,
        ),
    ).not.toBe(MUTED_GREY);
  });

  it('shows a reported script as text instead of running it', async () => {
    expect(await page.evaluate('window.pwned')).toBeUndefined(); // a string: tsconfig has no DOM types
    expect(await page.locator('div.row[data-job-key="csv-export"] .note').textContent()).toContain('<script>');
  });

  it('refreshes in place a minute later without moving the reader', async () => {
    await page.setViewportSize({ width: DESKTOP.width, height: 600 });
    await page.evaluate('window.scrollTo(0, 300)');
    expect(await page.evaluate<number>('window.scrollY')).toBe(300);
    await api.report(
      validReport(api, {
        job_key: 'arrived-later',
        title: '後から来たジョブ',
        status: 'error',
        finished_at: '2025-08-11T05:59:00Z',
      }),
    );
    await page.clock.runFor(61_000);
    await page.waitForSelector('div.row[data-job-key="arrived-later"]');

    expect(await page.evaluate<number>('window.scrollY')).toBe(300);
    expect(await page.evaluate<string | undefined>('document.documentElement.dataset.refreshed')).toBeDefined();
    await page.setViewportSize(DESKTOP);
  });

  it('opens a job page with its history, duration chart and what to do', async () => {
    await page.locator('div.row[data-job-key="csv-export"] .name a').click();
    await page.waitForURL('**/incidents/jobs/csv-export');

    expect(await page.locator('tr.run').count()).toBe(2);
    expect(await fills(page, '#timelines .tick.o-error')).toEqual([
      rgb(OUTCOME_COLORS.error),
      rgb(OUTCOME_COLORS.error),
    ]);
    expect(await page.locator('tr.run[data-outcome="error"] td.msg').textContent()).toContain(
      '<script>window.pwned=1</script> FTP 530',
    );
    expect(await page.locator('#actions').textContent()).toContain('job-reported-error');
    await writeFile(path.join(SCREENSHOTS, 'job-page.png'), await page.screenshot({ fullPage: true }));
    await page.goBack();
  });

  it('copies a built-in job’s re-run command with one click', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
    await page.goto(`${api.url}/incidents/jobs/ftp-export`);
    const command = page.locator('pre.cmd').first();
    await command.click();
    await page.waitForSelector('pre.cmd[data-copied]');

    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(await command.textContent());
    expect(await command.textContent()).toBe("npm run ops -- rerun ftp-export '{}' --stage $STAGE");
    await page.goBack();
  });

  it('keeps one column on a phone, without sideways scrolling', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${api.url}/incidents`);
    const rows = await page.$$eval('.row.job', (elements) =>
      elements.map((element) => {
        const box = (
          element as unknown as { getBoundingClientRect(): { x: number; width: number } }
        ).getBoundingClientRect();
        return [box.x, box.width];
      }),
    );
    await writeFile(path.join(SCREENSHOTS, 'phone.png'), await page.screenshot());

    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    for (const [x, width] of rows) {
      expect(x).toBe(0);
      expect(width).toBe(PHONE.width);
    }
    await page.setViewportSize(DESKTOP);
  });

  it('draws the Japanese job titles as glyphs, not boxes', async () => {
    await page.goto(`${api.url}/incidents`);
    const pixels = readPng(await page.screenshot());
    const characters = await distinctCharacterBoxes(page, '.row.job .name a', JAPANESE);
    const { variety, leastInk } = glyphVariety(pixels, characters);

    expect(characters.length).toBeGreaterThan(5);
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

  it('marks a hung job 実行超過 and one not yet run 未実行, with every outcome colour (views built directly)', async () => {
    const jobs = [
      ...jobsInEveryState(),
      ...Array.from({ length: 12 }, (_, index) =>
        jobView(`ok-${index}`, { title: `正常 ${index}`, recent_runs: ticks(30, { everyMinutes: 30 + index * 15 }) }),
      ),
    ];
    const html = renderIncidentsPage({ jobs, counts: countJobs(jobs), history: new Map(), now: FIXTURE_NOW });
    const views = await context.newPage();
    await views.route('http://views.test/incidents', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        headers: { 'content-security-policy': PAGE_CONTENT_SECURITY_POLICY },
        body: html,
      }),
    );
    await views.goto('http://views.test/incidents');
    const muted = views.locator('div.row[data-job-key="muted-job"]');
    const background = await muted.evaluate(
      (row) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(row)
          .backgroundColor,
    );
    await writeFile(path.join(SCREENSHOTS, 'every-state.png'), await views.screenshot());

    expect(background).toBe(MUTED_GREY);
    expect(await muted.locator('.pill').first().textContent()).toBe('ミュート中');
    expect(await muted.locator('.note').textContent()).toContain('FTP サーバー移行中');
    expect(await views.locator('div.row[data-job-key="stuck-sync"] .pill').textContent()).toBe('実行超過');
    expect(await fills(views, 'div.row[data-job-key="stuck-sync"] .tick.o-hung')).toContain(rgb(OUTCOME_COLORS.hung));
    expect(await fills(views, 'div.row[data-job-key="csv-export"] .tick.o-skipped')).toContain(
      rgb(OUTCOME_COLORS.skipped),
    );
    expect(await fills(views, 'div.row[data-job-key="slow-report"] .tick.o-missed')).toContain(
      rgb(OUTCOME_COLORS.missed),
    );
    expect(await fills(views, 'div.row[data-job-key="csv-export"] .sparkline rect.o-error')).toContain(
      rgb(OUTCOME_COLORS.error),
    );
    expect(await views.locator('div.row[data-job-key="never-ran"]').textContent()).toContain(
      '未実行: 次回 08/11 15:15 JST',
    );
    await views.close();
  });
});
