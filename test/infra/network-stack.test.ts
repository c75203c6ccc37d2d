import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { NAT_IMAGE_PARAMETER } from '../../lib/stacks/network-stack';
import { buildTestApp } from '../support/build-test-app';

const networkOf = (context: Record<string, unknown>) => buildTestApp({ context }).stacks.network;
const privateCidrs = (template: Template) =>
  Object.entries(template.findResources('AWS::EC2::Subnet'))
    .filter(([logicalId]) => logicalId.includes('private'))
    .map(([logicalId, subnet]) => `${logicalId} ${subnet.Properties.CidrBlock}`)
    .sort();

describe('network stack (created VPC)', () => {
  const instance = Template.fromStack(networkOf({ natMode: 'instance' }));

  it("spans the AZs config names, or the region's first two at deploy (Fn::GetAZs), never looked up", () => {
    const zonesOf = (template: Template) =>
      Object.entries(template.findResources('AWS::EC2::Subnet'))
        .filter(([logicalId]) => logicalId.includes('private'))
        .map(([, subnet]) => subnet.Properties.AvailabilityZone);
    const named = networkOf({
      account: '123456789012',
      network: '{"mode":"create","availabilityZones":["ap-northeast-1a","ap-northeast-1d"]}',
    });
    expect(zonesOf(Template.fromStack(named))).toEqual(['ap-northeast-1a', 'ap-northeast-1d']);
    expect(zonesOf(instance)).toEqual([0, 1].map((index) => ({ 'Fn::Select': [index, { 'Fn::GetAZs': '' }] })));
  });
  const gateway = Template.fromStack(networkOf({ natMode: 'gateway' }));
  const none = Template.fromStack(networkOf({ natMode: 'none' }));

  it('spreads private subnets over two AZs with S3 and DynamoDB gateway endpoints and flow logs', () => {
    gateway.resourceCountIs('AWS::EC2::Subnet', 4);
    gateway.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    gateway.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 'cloud-watch-logs' });
    gateway.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('uses a fck-nat instance, a NAT gateway or no NAT as configured', () => {
    instance.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 1);
    instance.resourceCountIs('AWS::EC2::NatGateway', 0);
    gateway.resourceCountIs('AWS::EC2::NatGateway', 1);
    none.resourceCountIs('AWS::EC2::NatGateway', 0);
    none.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    none.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' });
  });

  it('lets the private subnets through the NAT instance: its security group admits the VPC CIDR', () => {
    instance.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Security Group for NAT instances',
      SecurityGroupIngress: [
        Match.objectLike({ IpProtocol: '-1', CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] } }),
      ],
    });
  });

  it('keeps the NAT instance public address in an Elastic IP it re-attaches, and encrypts its disk', () => {
    instance.resourceCountIs('AWS::EC2::EIP', 1);
    const [template] = Object.values(instance.findResources('AWS::EC2::LaunchTemplate'));
    const userData = JSON.stringify(template.Properties.LaunchTemplateData.UserData);
    expect(userData).toMatch(/eip_id=.*NatAddress.*AllocationId/);
    expect(template.Properties.LaunchTemplateData.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true } },
    ]);
  });

  it('never looks the NAT image up: pinned in config, otherwise a deploy parameter', () => {
    const pinned = buildTestApp({
      context: {
        natMode: 'instance',
        account: '123456789012',
        network: '{"mode":"create","natInstanceAmiId":"ami-0123456789abcdef0"}',
      },
    });
    const [template] = Object.values(
      Template.fromStack(pinned.stacks.network).findResources('AWS::EC2::LaunchTemplate'),
    );
    expect(template.Properties.LaunchTemplateData.ImageId).toBe('ami-0123456789abcdef0');
    // With a concrete account nothing is looked up either (no AMI, no availability zones).
    expect(pinned.app.synth().manifest.missing).toBeUndefined();
    instance.hasParameter(NAT_IMAGE_PARAMETER, { Type: 'AWS::EC2::Image::Id' });
    // The image may change only through that pin; an update must not replace the running instance.
    const [group] = Object.values(instance.findResources('AWS::AutoScaling::AutoScalingGroup'));
    expect(group.UpdatePolicy ?? {}).not.toHaveProperty('AutoScalingRollingUpdate');
    expect(group.UpdatePolicy ?? {}).not.toHaveProperty('AutoScalingReplacingUpdate');
  });

  it('gives the private subnets the same CIDRs and logical ids whatever natMode says', () => {
    expect(privateCidrs(gateway)).toHaveLength(2);
    expect(privateCidrs(none)).toEqual(privateCidrs(gateway));
    expect(privateCidrs(instance)).toEqual(privateCidrs(gateway));
  });
});

describe('network stack (imported VPC)', () => {
  const network = {
    mode: 'import',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    privateSubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
    availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'],
  };
  const { app, stacks } = buildTestApp({ context: { network: JSON.stringify(network) } });

  it('creates nothing in a VPC it does not own: no VPC, subnet, NAT, endpoint or flow log', () => {
    const template = Template.fromStack(stacks.network);
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::EC2::NatGateway',
      'AWS::EC2::VPCEndpoint',
      'AWS::EC2::FlowLog',
    ]) {
      template.resourceCountIs(type, 0);
    }
    // Not even a warning about the route tables nightshift never touches.
    Annotations.fromStack(stacks.network).hasNoWarning('*', Match.anyValue());
  });

  it('runs the VPC jobs in the imported subnets, built from ids without any lookup', () => {
    Template.fromStack(stacks.jobs).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-sample-job',
      VpcConfig: Match.objectLike({ SubnetIds: network.privateSubnetIds }),
    });
    Template.fromStack(stacks.data).hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: network.vpcId });
    expect(app.synth().manifest.missing).toBeUndefined();
  });

  it('names the bad field of an imported network', () => {
    expect(() =>
      buildTestApp({ context: { network: JSON.stringify({ ...network, availabilityZones: ['ap-northeast-1a'] }) } }),
    ).toThrow(/network\.availabilityZones: availabilityZones needs one entry per privateSubnetIds entry/);
    expect(() =>
      buildTestApp({ context: { network: '{"mode":"import","vpcId":"vpc-1","privateSubnetIds":[]}' } }),
    ).toThrow(/network\.vpcId[\s\S]*network\.privateSubnetIds/);
  });
});
