import { Template } from 'aws-cdk-lib/assertions';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

/** A company's existing VPC and RDS: nightshift owns neither. */
const IMPORT_MODE_CONTEXT = {
  stage: 'prod',
  network: JSON.stringify({
    mode: 'import',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    privateSubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
    availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'],
  }),
  database: JSON.stringify({
    mode: 'import',
    host: 'visitors.cluster-abc.ap-northeast-1.rds.amazonaws.com',
    databaseName: 'visitors',
    secretArn: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds/visitors-AbCdEf',
    secretKmsKeyArn: 'arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    securityGroupId: 'sg-0123456789abcdef0',
  }),
};

describe.each([
  ['dev', { stage: 'dev' }],
  ['prod', { stage: 'prod' }],
  ['import mode (existing VPC and database)', IMPORT_MODE_CONTEXT],
])('the %s configuration', (_name, context) => {
  const { app, stacks } = buildTestApp({ jobs: JOBS, context });

  it('synthesizes every stack with cdk-nag reporting no unacknowledged finding, without credentials or lookups', () => {
    const assembly = app.synth();
    expect(assembly.manifest.missing).toBeUndefined();
    if (context === IMPORT_MODE_CONTEXT) {
      // Nothing of nightshift's own that costs by the hour: no NAT, endpoint, VPC or database instance.
      const all = [stacks.network, stacks.data, stacks.jobs, stacks.api, stacks.monitoring].map((stack) =>
        Template.fromStack(stack),
      );
      for (const type of [
        'AWS::EC2::NatGateway',
        'AWS::AutoScaling::AutoScalingGroup',
        'AWS::EC2::VPCEndpoint',
        'AWS::RDS::DBInstance',
        'AWS::EC2::VPC',
      ]) {
        expect(all.map((template) => Object.keys(template.findResources(type)).length)).toEqual([0, 0, 0, 0, 0]);
      }
    }
  });
});
