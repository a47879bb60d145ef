// Error names the state machine retries with backoff before it gives up and finalizes the run
// as failed. Lambda reports a thrown error's `name` as its error type, and the state machine's
// Retry matches on it; the infra imports this list so both sides agree.
//
// Retried: infrastructure that may recover on its own (a database that is restarting, a lock
// another run holds, DynamoDB/Secrets Manager throttling). Not retried: bad input (UsageError),
// a migration that fails, a checksum mismatch — running them again gives the same answer.
export const RETRYABLE_ERRORS = ['ConnectionError', 'OperationError', 'LockBusyError', 'AwsServiceError'] as const;

/** The name AWS SDK errors are reported under (their own names are too many to list). */
export const AWS_SERVICE_ERROR = 'AwsServiceError';

/**
 * Refusals that end the execution at once in the RunRefused Fail state, under their own name,
 * without Finalize: the run they meet belongs to someone else and must not be finalized.
 * RunLeaseHeldError: another run holds this target and version (its run id in the cause).
 * RunConflictError: the run id is taken by a run with other parameters or another execution.
 */
export const REFUSED_ERRORS = ['RunLeaseHeldError', 'RunConflictError'] as const;
