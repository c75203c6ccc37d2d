import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let tracer: Tracer | undefined;

/**
 * The functions run with X-Ray active tracing; Powertools Tracer adds a subsegment per AWS SDK
 * call (service, operation, latency, error) to the segment Lambda opens. Outside Lambda (local
 * mode, tests) Tracer disables itself and clients are returned untouched.
 */
export function getTracer(): Tracer {
  tracer ??= new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'nightshift' });
  return tracer;
}

/** Every AWS SDK v3 client the jobs create goes through here, so its calls show in the trace. */
export function traced<T>(client: T): T {
  return getTracer().captureAWSv3Client(client);
}

/**
 * DynamoDB document client; DYNAMODB_ENDPOINT points it at dynalite locally.
 * Created once per container so connections are reused across invocations.
 */
export function createDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const client = traced(
    new DynamoDBClient({
      region: env.AWS_REGION ?? 'ap-northeast-1',
      ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    }),
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
