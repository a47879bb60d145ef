// The DynamoDB document client the state store uses, in AWS or against a local dynalite.
// The AWS SDK is loaded lazily for the same reason dynalite is: commands without state skip it.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OperationError, errorMessage } from '../errors.js';
import { TABLE_KEYS } from './keys.js';

export interface DocumentClientOptions {
  /** A local endpoint (dynalite); omitted in AWS, where the SDK resolves it from the region. */
  endpoint?: string;
  region?: string;
}

export async function createDocumentClient(options: DocumentClientOptions = {}): Promise<DynamoDBDocumentClient> {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  const client = new DynamoDBClient(
    options.endpoint === undefined
      ? { region: options.region ?? process.env.AWS_REGION ?? 'us-east-1' }
      : // A local server (dynalite) must never be confused with an account: everything the SDK
        // would otherwise read from AWS_* variables or ~/.aws (profile, keys, region, an
        // AWS_ENDPOINT_URL*, FIPS/dual-stack or account-id endpoint modes) is pinned here. It
        // checks no signature, but the SDK refuses to send unsigned requests: placeholder keys.
        {
          region: options.region ?? 'us-east-1',
          endpoint: options.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          useFipsEndpoint: false,
          useDualstackEndpoint: false,
          accountIdEndpointMode: 'disabled',
        },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * Creates the state table if it does not exist and waits until it is ACTIVE. For local
 * endpoints only: in AWS the stack owns the table (and its TTL setting).
 */
export async function ensureTable(client: DynamoDBDocumentClient, tableName: string, timeoutMs = 30_000): Promise<void> {
  const { CreateTableCommand, DescribeTableCommand, ResourceInUseException, ResourceNotFoundException } = await import('@aws-sdk/client-dynamodb');
  const describe = async (): Promise<string | undefined> => {
    try {
      const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
      return out.Table?.TableStatus;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw new OperationError(`cannot describe state table ${tableName}: ${errorMessage(error)}`, { cause: error });
    }
  };

  if ((await describe()) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: TABLE_KEYS.pk, AttributeType: 'S' },
            { AttributeName: TABLE_KEYS.sk, AttributeType: 'S' },
            { AttributeName: TABLE_KEYS.gsi1pk, AttributeType: 'S' },
            { AttributeName: TABLE_KEYS.gsi1sk, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: TABLE_KEYS.pk, KeyType: 'HASH' },
            { AttributeName: TABLE_KEYS.sk, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: TABLE_KEYS.gsi1,
              KeySchema: [
                { AttributeName: TABLE_KEYS.gsi1pk, KeyType: 'HASH' },
                { AttributeName: TABLE_KEYS.gsi1sk, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
    } catch (error) {
      // Another process created it between our describe and create: that is the outcome we wanted.
      if (!(error instanceof ResourceInUseException)) {
        throw new OperationError(`cannot create state table ${tableName}: ${errorMessage(error)}`, { cause: error });
      }
    }
  }

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await describe();
    if (status === 'ACTIVE') return;
    if (Date.now() > deadline) throw new OperationError(`state table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${status ?? 'missing'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
