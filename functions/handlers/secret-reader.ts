// Reads target secrets through Powertools Parameters (SecretsProvider): values are cached
// for maxAge seconds per container, and forceFetch reads past the cache (after the server
// refused the cached credentials: the secret may have been rotated). Errors name the
// secret's ARN and the AWS error, never a value.
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConnectionError, UsageError } from '../engine/errors.js';

export interface SecretReader {
  /** The secret's SecretString (undefined for a binary secret). */
  secretString(secretArn: string, opts?: { forceFetch?: boolean }): Promise<string | undefined>;
}

/** Five minutes: a warm function does not call Secrets Manager per batch, and a rotation is seen soon (at once after an auth failure). */
export const SECRET_MAX_AGE_SECONDS = 300;

// Answers that the same call will give again: configuration to fix, not to retry.
const CONFIGURATION_ERRORS = new Set(['ResourceNotFoundException', 'InvalidRequestException', 'InvalidParameterException', 'AccessDeniedException', 'DecryptionFailure']);

export function powertoolsSecretReader(provider: SecretsProvider, maxAge = SECRET_MAX_AGE_SECONDS): SecretReader {
  return {
    async secretString(secretArn, { forceFetch = false } = {}) {
      let value: unknown;
      try {
        value = await provider.get(secretArn, { maxAge, forceFetch });
      } catch (error) {
        const name = awsErrorName(error);
        if (CONFIGURATION_ERRORS.has(name)) throw new UsageError(`cannot read secret ${secretArn}: ${name}`, { cause: error });
        throw new ConnectionError(`cannot read secret ${secretArn}: ${name}`, { cause: error });
      }
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** Powertools wraps the SDK's error (GetParameterError, cause: ResourceNotFoundException…). */
function awsErrorName(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name !== 'GetParameterError' && e.name !== 'Error') return e.name;
  }
  return error instanceof Error ? error.name : 'unknown error';
}
