import { buildTestApp } from '../support/build-test-app';

describe('JOB_SETTINGS travels in the function environment (4 KB for all variables)', () => {
  it('stops synthesis naming the job, the variable and its size when the settings do not fit', () => {
    const recipients = Array.from({ length: 400 }, (_, index) => `recipient-${index}`);
    const { app } = buildTestApp({ context: { jobSettings: JSON.stringify({ 'sample-job': { recipients } }) } });
    expect(() => app.synth()).toThrow(
      /nightshift-dev-sample-job: its environment variables take about \d+ bytes, over the 4096 bytes Lambda allows; largest: JOB_SETTINGS \d+ bytes[\s\S]*jobSettings\.sample-job in cdk\.json \(job sample-job\)/,
    );
  });

  it('accepts settings that fit, counting deploy-time values (ARNs, hosts) generously', () => {
    const { app } = buildTestApp({
      context: { jobSettings: JSON.stringify({ 'sample-job': { recipients: ['a', 'b'] } }) },
    });
    expect(() => app.synth()).not.toThrow();
  });
});
