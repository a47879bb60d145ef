// The local Secrets Manager endpoint through the REAL AWS SDK client: what GetSecretValue
// returns, and each documented error arriving as the SDK's own exception class.
import {
  CreateSecretCommand, DeleteSecretCommand, GetSecretValueCommand, InvalidParameterException, InvalidRequestException,
  PutSecretValueCommand, ResourceExistsException, ResourceNotFoundException, SecretsManagerClient, SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../../functions/local/secrets-manager-endpoint.js';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-key' };
let sm: SecretsManagerEndpoint;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManagerEndpoint({ region: 'eu-west-1' });
  client = new SecretsManagerClient({ endpoint: sm.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await sm?.close();
});

const uniqueName = (label: string): string => `hourglass/test/${label}-${Math.random().toString(36).slice(2, 8)}`;

async function errorOf(promise: Promise<unknown>): Promise<SecretsManagerServiceException> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof SecretsManagerServiceException)) throw new Error(`expected a Secrets Manager error, got ${String(error)}`);
  return error;
}

describe('local Secrets Manager endpoint with the real SDK', () => {
  it('creates a secret with a real-looking ARN and reads it back by ARN and by name', async () => {
    const name = uniqueName('db');
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: '{"url":"postgres://u:p@h/db"}' }));
    expect(created.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:eu-west-1:000000000000:secret:${name.replace(/\//g, '\\/')}-[A-Za-z]{6}$`));
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn).toMatchObject({ ARN: created.ARN, Name: name, SecretString: '{"url":"postgres://u:p@h/db"}', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    const byName = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(byName.SecretString).toBe(byArn.SecretString);
  });

  it('the createSecret helper returns the ARN the SDK reads; a rotation moves AWSCURRENT and keeps AWSPREVIOUS', async () => {
    const arn = await sm.createSecret(uniqueName('rot'), 'one', { kmsKeyId: 'arn:aws:kms:eu-west-1:000000000000:key/1234' });
    const first = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const put = await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'two' }));
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('two');
    const previous = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));
    expect(previous).toMatchObject({ SecretString: 'one', VersionId: first.VersionId });
    const byBoth = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: put.VersionId, VersionStage: 'AWSCURRENT' }));
    expect(byBoth.SecretString).toBe('two');
  });

  it('ResourceNotFoundException for an unknown name, an unknown ARN and a partial ARN', async () => {
    const arn = await sm.createSecret(uniqueName('partial'), 'x');
    const partial = arn.slice(0, -7);
    for (const id of [uniqueName('missing'), `${partial}-ZZZZZZ`, partial]) {
      const error = await errorOf(client.send(new GetSecretValueCommand({ SecretId: id })));
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    }
  });

  it('an unknown VersionId or VersionStage is not found; a VersionStage not on the VersionId is an invalid request', async () => {
    const arn = await sm.createSecret(uniqueName('versions'), 'x');
    const current = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const unknownId = await errorOf(client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: 'f'.repeat(36) })));
    expect(unknownId).toBeInstanceOf(ResourceNotFoundException);
    expect(unknownId.message).toContain('VersionId');
    const unknownStage = await errorOf(client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })));
    expect(unknownStage).toBeInstanceOf(ResourceNotFoundException);
    expect(unknownStage.message).toContain('staging label: AWSPENDING');
    const mismatch = await errorOf(client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: current.VersionId, VersionStage: 'AWSPREVIOUS' })));
    expect(mismatch).toBeInstanceOf(InvalidRequestException);
  });

  it('InvalidParameterException for a malformed VersionId, both SecretString and SecretBinary, or a bad recovery window', async () => {
    const arn = await sm.createSecret(uniqueName('params'), 'x');
    const shortId = await errorOf(client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: 'short' })));
    expect(shortId).toBeInstanceOf(InvalidParameterException);
    const both = await errorOf(client.send(new CreateSecretCommand({ Name: uniqueName('both'), SecretString: 'a', SecretBinary: Buffer.from('b') })));
    expect(both).toBeInstanceOf(InvalidParameterException);
    expect(both.message).toContain('not both');
    const bothPut = await errorOf(client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'a', SecretBinary: Buffer.from('b') })));
    expect(bothPut).toBeInstanceOf(InvalidParameterException);
    const window = await errorOf(client.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 3 })));
    expect(window).toBeInstanceOf(InvalidParameterException);
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('x');
  });

  it('a secret scheduled for deletion answers InvalidRequestException; a forced delete makes it not found', async () => {
    const arn = await sm.createSecret(uniqueName('deleted'), 'x');
    const deleted = await client.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    expect(deleted.ARN).toBe(arn);
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    expect(deleted.DeletionDate!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const read = await errorOf(client.send(new GetSecretValueCommand({ SecretId: arn })));
    expect(read).toBeInstanceOf(InvalidRequestException);
    expect(read.message).toContain('marked for deletion');
    await client.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    expect(await errorOf(client.send(new GetSecretValueCommand({ SecretId: arn })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('ResourceExistsException when creating a name that exists, and the first value stays', async () => {
    const name = uniqueName('exists');
    await sm.createSecret(name, 'first');
    const error = await errorOf(client.send(new CreateSecretCommand({ Name: name, SecretString: 'second' })));
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error.message).toBe(`The operation failed because the secret ${name} already exists.`);
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('first');
  });

  it('an unknown operation answers UnknownOperationException with HTTP 400, like AWS', async () => {
    const response = await fetch(sm.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.RotateEverything', Authorization: 'AWS4-HMAC-SHA256 Credential=x' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({ __type: 'UnknownOperationException' });
  });

  it('the SDK finds the endpoint through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    const arn = await sm.createSecret(uniqueName('env'), 'from-env');
    const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.endpoint;
    const envClient = new SecretsManagerClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });
    try {
      expect((await envClient.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('from-env');
    } finally {
      envClient.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
    }
  });
});
