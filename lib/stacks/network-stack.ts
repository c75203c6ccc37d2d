import { Annotations, CfnParameter, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { FckNatInstanceProvider } from 'cdk-fck-nat';
import type { Construct } from 'constructs';
import type { NetworkConfig, NightshiftConfig } from '../config';
import { acknowledge } from '../nag-acknowledgements';

/**
 * The deploy parameter that names the fck-nat image when config pins none; deploy-stage.yml fills it
 * from the GitHub environment variable NAT_INSTANCE_AMI_ID.
 */
export const NAT_IMAGE_PARAMETER = 'NatInstanceAmiId';

export interface NetworkStackProps extends StackProps {
  readonly config: NightshiftConfig;
}

/**
 * The jobs' network. `network.mode: "create"`: a VPC over two AZs, private subnets for the jobs,
 * egress per natMode, S3/DynamoDB gateway endpoints, flow logs. `"import"`: an existing VPC
 * rebuilt from the ids in config (no lookup, no credentials at synth), in which nothing is created.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.IVpc;
  /** The fck-nat provider when natMode is "instance". */
  public readonly natInstance?: FckNatInstanceProvider;
  /** The NAT instance's fixed public address (FTP servers may allow-list it). */
  public readonly natAddress?: ec2.CfnEIP;

  /**
   * Without network.natInstanceAmiId the image is a deploy parameter with no default: synth still
   * works (CI, review) and a deploy must name the image once; CloudFormation keeps it afterwards.
   */
  private natImageParameter(): CfnParameter {
    return new CfnParameter(this, NAT_IMAGE_PARAMETER, {
      type: 'AWS::EC2::Image::Id',
      description: `fck-nat image (${FckNatInstanceProvider.AMI_NAME}, owner ${FckNatInstanceProvider.AMI_OWNER}); better: pin network.natInstanceAmiId in cdk.json`,
    });
  }

  /**
   * With a concrete account and region CDK would look the AZs up (credentials at synth, a
   * cdk.context.json to commit): they come from config, or from Fn::GetAZs at deploy.
   */
  override get availabilityZones(): string[] {
    const { network } = this.config;
    if (network.mode === 'create' && network.availabilityZones) return [...network.availabilityZones];
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()));
  }

  private readonly config: NightshiftConfig;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { network } = props.config;
    if (network.mode === 'import') {
      this.vpc = importVpc(this, network);
      // Records where the stage runs (free); CloudFormation also refuses a stack without resources.
      new ssm.StringParameter(this, 'ImportedNetwork', {
        parameterName: `/nightshift/${props.config.stage}/network`,
        description: 'The imported VPC and subnets the nightshift jobs run in',
        stringValue: JSON.stringify({ vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds }),
      });
      return;
    }
    const { natMode, logRetentionDays } = props.config;
    const egress = natMode !== 'none';
    if (natMode === 'instance') {
      this.natAddress = new ec2.CfnEIP(this, 'NatAddress', { domain: 'vpc' });
      this.natInstance = new FckNatInstanceProvider({
        instanceType: new ec2.InstanceType(network.natInstanceType),
        // A pinned image, never looked up: a new AMI release must not reach the instance unasked.
        machineImage: ec2.MachineImage.genericLinux({
          [this.region]: network.natInstanceAmiId ?? this.natImageParameter().valueAsString,
        }),
        eipPool: [this.natAddress.attrAllocationId],
        enableSsm: false,
      });
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: egress ? 1 : 0,
      natGatewayProvider: this.natInstance,
      subnetConfiguration: [
        // Reserved without egress, so the private subnets keep their CIDRs whatever natMode says.
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, reserved: !egress },
        {
          name: 'private',
          subnetType: egress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
          cidrMask: 22,
        },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.vpc = vpc;
    if (this.natInstance) {
      encryptRootVolumes(this.natInstance);
      // fck-nat's security group admits nothing by default: the private subnets must reach it.
      this.natInstance.securityGroup.addIngressRule(
        ec2.Peer.ipv4(vpc.vpcCidrBlock),
        ec2.Port.allTraffic(),
        'traffic of the private subnets to the internet',
      );
    }

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    if (!egress) {
      // Without NAT the jobs still need Secrets Manager; S3 and DynamoDB go through the gateway endpoints.
      const endpoint = vpc.addInterfaceEndpoint('SecretsManager', {
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      });
      acknowledge(
        endpoint,
        'EC23',
        'The endpoint admits HTTPS from the VPC CIDR only; cdk-nag cannot evaluate the CIDR reference',
      );
    }
  }
}

/** The imported VPC from config ids only: synth needs no AWS credentials and makes no lookup. */
function importVpc(scope: Stack, network: Extract<NetworkConfig, { mode: 'import' }>): ec2.IVpc {
  const subnets = network.privateSubnetIds;
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: network.vpcId,
    vpcCidrBlock: network.vpcCidrBlock,
    // One entry per subnet; without names the AZ only labels the subnet, nothing in a template uses it.
    availabilityZones: network.availabilityZones ?? subnets.map((_, index) => `${scope.region}-subnet${index + 1}`),
    privateSubnetIds: subnets,
  });
  for (const subnet of vpc.privateSubnets) {
    Annotations.of(subnet).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'nightshift adds no route or gateway endpoint to a VPC it imports, so it never needs the route tables',
    );
  }
  return vpc;
}

/** fck-nat's launch templates leave the root volume to the AMI (unencrypted): encrypt it, gp3. */
function encryptRootVolumes(nat: FckNatInstanceProvider): void {
  for (const group of nat.autoScalingGroups) {
    const template = group.node.scope?.node.tryFindChild('FckNatLaunchTemplate') as ec2.LaunchTemplate | undefined;
    const cfn = template?.node.defaultChild as ec2.CfnLaunchTemplate | undefined;
    if (!cfn) throw new Error('fck-nat launch template not found: the cdk-fck-nat layout changed');
    cfn.launchTemplateData = {
      ...(cfn.launchTemplateData as ec2.CfnLaunchTemplate.LaunchTemplateDataProperty),
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } },
      ],
    };
  }
}
