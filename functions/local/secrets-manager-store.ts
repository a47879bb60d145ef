// The state and rules behind the local Secrets Manager endpoint: secrets with versions and
// staging labels, and the documented errors of the four operations hourglass and its local
// tooling use. Messages follow AWS's (as moto, getmoto/moto moto/secretsmanager, records them).
//
// One deliberate strictness: a PARTIAL ARN (the ARN without the random 6-character suffix)
// is not found here, although AWS may resolve it; hourglass requires full ARNs, and this is
// how a test proves a partial one is never what it sends.
import { randomBytes, randomUUID } from 'node:crypto';

export class AwsError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

interface Version {
  id: string;
  stages: Set<string>;
  secretString?: string;
  secretBinary?: string;
  created: number;
}

interface Secret {
  arn: string;
  name: string;
  kmsKeyId?: string;
  versions: Map<string, Version>;
  deletionDate?: number;
  created: number;
}

type Body = Record<string, unknown>;

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:/;
const NOT_FOUND = "Secrets Manager can't find the specified secret.";

export class SecretsStore {
  private readonly secrets = new Map<string, Secret>();

  constructor(readonly region: string, readonly account = '000000000000') {}

  call(operation: string, body: Body): Body {
    switch (operation) {
      case 'CreateSecret': return this.createSecret(body);
      case 'GetSecretValue': return this.getSecretValue(body);
      case 'PutSecretValue': return this.putSecretValue(body);
      case 'DeleteSecret': return this.deleteSecret(body);
      default: throw new AwsError('UnknownOperationException', '');
    }
  }

  createSecret(body: Body): Body {
    const name = requiredString(body, 'Name');
    if (!NAME.test(name)) throw new AwsError('ValidationException', `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w/+=.@-]+`);
    if (ARN.test(name)) throw new AwsError('ValidationException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    const value = secretValue(body);
    const existing = [...this.secrets.values()].find((secret) => secret.name === name);
    if (existing) {
      if (existing.deletionDate !== undefined) throw new AwsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
      throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    }
    const now = Date.now() / 1000;
    const secret: Secret = { arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix()}`, name, versions: new Map(), created: now };
    const kms = optionalString(body, 'KmsKeyId');
    if (kms !== undefined) secret.kmsKeyId = kms;
    this.secrets.set(secret.arn, secret);
    if (value === null) return { ARN: secret.arn, Name: name };
    const version = this.addVersion(secret, value, versionIdOf(body), ['AWSCURRENT']);
    return { ARN: secret.arn, Name: name, VersionId: version.id };
  }

  getSecretValue(body: Body): Body {
    const secret = this.find(requiredString(body, 'SecretId'));
    const versionId = optionalString(body, 'VersionId');
    const stage = optionalString(body, 'VersionStage');
    if (versionId !== undefined && (versionId.length < 32 || versionId.length > 64)) throw new AwsError('InvalidParameterException', 'Invalid VersionId. VersionId must be 32-64 characters long.');
    if (stage !== undefined && (stage.length < 1 || stage.length > 256)) throw new AwsError('InvalidParameterException', 'Invalid VersionStage. VersionStage must be 1-256 characters long.');
    if (secret.deletionDate !== undefined) throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    let version: Version | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (!version) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (stage !== undefined && !version.stages.has(stage)) throw new AwsError('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
    } else {
      const wanted = stage ?? 'AWSCURRENT';
      version = [...secret.versions.values()].find((candidate) => candidate.stages.has(wanted));
      if (!version) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
    }
    return {
      ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages], CreatedDate: version.created,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
    };
  }

  putSecretValue(body: Body): Body {
    const secret = this.find(requiredString(body, 'SecretId'));
    if (secret.deletionDate !== undefined) throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    const value = secretValue(body);
    if (value === null) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    const stages = body.VersionStages === undefined ? ['AWSCURRENT'] : stringList(body, 'VersionStages');
    const token = versionIdOf(body);
    const same = token === undefined ? undefined : secret.versions.get(token);
    if (same) {
      // An idempotent retry returns the version; a different value under the same token is refused.
      if (same.secretString === value.secretString && same.secretBinary === value.secretBinary) return { ARN: secret.arn, Name: secret.name, VersionId: same.id, VersionStages: [...same.stages] };
      throw new AwsError('ResourceExistsException', `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secret.arn}.`);
    }
    const version = this.addVersion(secret, value, token, secret.versions.size === 0 && !stages.includes('AWSCURRENT') ? [...stages, 'AWSCURRENT'] : stages);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  deleteSecret(body: Body): Body {
    const id = requiredString(body, 'SecretId');
    const window = body.RecoveryWindowInDays;
    const force = body.ForceDeleteWithoutRecovery === true;
    if (window !== undefined && (typeof window !== 'number' || !Number.isInteger(window) || window < 7 || window > 30)) {
      throw new AwsError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    if (window !== undefined && force) throw new AwsError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    const secret = this.find(id);
    if (secret.deletionDate !== undefined && !force) throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was already scheduled for deletion.");
    const now = Date.now() / 1000;
    if (force) {
      this.secrets.delete(secret.arn);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now };
    }
    secret.deletionDate = now + (typeof window === 'number' ? window : 30) * 86_400;
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate };
  }

  /** By name or full ARN only (see the note at the top). */
  private find(id: string): Secret {
    const byArn = this.secrets.get(id);
    if (byArn) return byArn;
    if (!ARN.test(id)) {
      const byName = [...this.secrets.values()].find((secret) => secret.name === id);
      if (byName) return byName;
    }
    throw new AwsError('ResourceNotFoundException', NOT_FOUND);
  }

  private addVersion(secret: Secret, value: { secretString?: string; secretBinary?: string }, id: string | undefined, stages: string[]): Version {
    const version: Version = { id: id ?? randomUUID(), stages: new Set(stages), created: Date.now() / 1000, ...value };
    // A staging label is on one version at a time; the old AWSCURRENT becomes AWSPREVIOUS.
    for (const other of secret.versions.values()) {
      if (stages.includes('AWSCURRENT') && other.stages.has('AWSCURRENT')) {
        for (const older of secret.versions.values()) older.stages.delete('AWSPREVIOUS');
        other.stages.add('AWSPREVIOUS');
      }
      for (const stage of stages) other.stages.delete(stage);
    }
    secret.versions.set(version.id, version);
    return version;
  }
}

function suffix(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(6)].map((byte) => letters[byte % letters.length]).join('');
}

function secretValue(body: Body): { secretString?: string; secretBinary?: string } | null {
  const text = optionalString(body, 'SecretString');
  const binary = optionalString(body, 'SecretBinary');
  if (text !== undefined && binary !== undefined) throw new AwsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary, but not both.');
  if (text !== undefined) return { secretString: text };
  if (binary !== undefined) return { secretBinary: binary };
  return null;
}

function versionIdOf(body: Body): string | undefined {
  const token = optionalString(body, 'ClientRequestToken');
  if (token !== undefined && (token.length < 32 || token.length > 64)) throw new AwsError('InvalidParameterException', 'ClientRequestToken must be 32-64 characters long.');
  return token;
}

function requiredString(body: Body, key: string): string {
  const value = body[key];
  if (value === undefined || value === null) throw new AwsError('ValidationException', `1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string') throw new AwsError('SerializationException', `Value for ${key} must be a string`);
  return value;
}

function optionalString(body: Body, key: string): string | undefined {
  return body[key] === undefined || body[key] === null ? undefined : requiredString(body, key);
}

function stringList(body: Body, key: string): string[] {
  const value = body[key];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new AwsError('SerializationException', `Value for ${key} must be a list of strings`);
  return value as string[];
}
