import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';
import { acknowledge } from '../nag-acknowledgements';

export interface NetworkStackProps extends StackProps {
  readonly config: NightshiftConfig;
}

/** VPC over two AZs: private subnets for the jobs, egress per natMode, gateway endpoints, flow logs. */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { natMode, logRetentionDays } = props.config;
    const egress = natMode !== 'none';

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: egress ? 1 : 0,
      natGatewayProvider:
        natMode === 'instance'
          ? ec2.NatProvider.instanceV2({
              instanceType: new ec2.InstanceType('t4g.nano'),
              defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            })
          : undefined,
      subnetConfiguration: [
        ...(egress ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }] : []),
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

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    if (!egress) {
      // Without NAT the jobs still need Secrets Manager; S3 and DynamoDB go through the gateway endpoints.
      const endpoint = this.vpc.addInterfaceEndpoint('SecretsManager', {
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
