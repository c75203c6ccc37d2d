import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { OnCallAlarm } from '../../lib/constructs/alarm-factory';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

const { app, stacks } = buildTestApp({ jobs: JOBS, context: { stage: 'prod' } });
const jobs = Template.fromStack(stacks.jobs);
const composite = () => Object.values(jobs.findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties;

describe('the pager alarm nightshift-<stage>-unhealthy', () => {
  it('is one composite alarm over every on-call alarm of the stage: jobs, monitor and API, database, manual trigger', () => {
    jobs.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    const { AlarmName, AlarmRule } = composite();
    expect(AlarmName).toBe('nightshift-prod-unhealthy');
    const named = [...AlarmRule.matchAll(/ALARM\("([^"]+)"\)/g)].map((match) => match[1]);
    expect(named).toEqual(OnCallAlarm.all(app).map((alarm) => alarm.fullName));
    for (const expected of [
      'nightshift-prod-ftp-export-errors',
      'nightshift-prod-job-watchdog-undelivered',
      'nightshift-prod-api-server-errors',
      'nightshift-prod-job-late',
      'nightshift-prod-database-cpu',
      'nightshift-prod-manual-trigger-errors',
    ]) {
      expect(named).toContain(expected);
    }
    expect(AlarmRule).toMatch(/^ALARM\("[^"]+"\)( OR ALARM\("[^"]+"\))+$/);
  });

  it('pages on alarm and on recovery, and links its runbook section', () => {
    const alarm = composite();
    expect(alarm.AlarmActions).toHaveLength(1);
    expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    expect(alarm.AlarmDescription).toMatch(/\nRunbook: docs\/runbook\.md#unhealthy$/);
  });

  it('deploys after every stack whose alarms it names', () => {
    expect(stacks.jobs.dependencies).toEqual(expect.arrayContaining([stacks.data, stacks.api]));
  });

  it('is the first widget of the dashboard', () => {
    const body = Object.values(jobs.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
    const parts: unknown[] = body['Fn::Join'][1];
    // The first alarm the body references is the composite, in the widget at the top left.
    const firstAlarm = parts.find((part) => typeof part === 'object') as { 'Fn::GetAtt': [string, string] };
    expect(jobs.findResources('AWS::CloudWatch::CompositeAlarm')).toHaveProperty(firstAlarm['Fn::GetAtt'][0]);
    expect(String(parts[0])).toMatch(
      /"widgets":\[\{"type":"alarm",[^}]*"x":0,"y":0,.*"title":"Pager: nightshift-prod-unhealthy/,
    );
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses, at synthesis, an alarm in a stack that would deploy after it', () => {
    const late = buildTestApp();
    const other = new Stack(late.app, 'Nightshift-dev-Later', { env: { region: 'ap-northeast-1' } });
    late.stacks.alarms.create(other, 'Late', {
      name: 'later-errors',
      metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors' }),
      threshold: 1,
      missingData: { treat: cloudwatch.TreatMissingData.NOT_BREACHING, reason: 'no data means nothing failed here' },
      text: { meaning: 'a later stack failed' },
    });
    expect(() => late.app.synth()).toThrow(
      /names nightshift-dev-later-errors of Nightshift-dev-Later, which Nightshift-dev-Jobs does not depend on/,
    );
  });
});
