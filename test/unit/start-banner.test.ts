import { renderBanner } from '../../local/start-banner';

describe('npm start banner', () => {
  it('starts every value in one column, whatever the label: service, long secret name or schedule', () => {
    const banner = renderBanner([
      ['status page', 'http://127.0.0.1:3000/incidents'],
      ['SCHEDULER_ADMIN_TOKEN', 'abc   (generated; set it to keep it fixed)'],
      ['JOB_READ_TOKEN', 'def'],
      ['schedules (Asia/Tokyo):'],
      ['  youtube-sync/every-15-minutes-during-the-day', '*/15 9-18 * * *   next 2026-11-24 09:15 JST'],
    ]);
    const lines = banner.split('\n');
    const valueColumns = [lines[0], lines[1], lines[2], lines[4]].map((line) => line.search(/http|abc|def|\*\/15/));
    expect(new Set(valueColumns).size).toBe(1);
    expect(lines[3]).toBe('  schedules (Asia/Tokyo):');
  });
});
