// The local Step Functions API endpoint, driven by the real @aws-sdk/client-sfn through its
// endpoint setting: the calls the API function makes, and the documented errors it must raise.
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, InvalidArn, InvalidExecutionInput, InvalidName, ListExecutionsCommand, SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from '../../functions/local/deployed/step-functions-endpoint.js';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:Hourglass-Runs';
let endpoint: StepFunctionsEndpoint;
let sfn: SFNClient;
const release = new Map<string, () => void>();

beforeAll(async () => {
  endpoint = await startStepFunctionsEndpoint({
    stateMachineArn: SM,
    start: (name, input) => new Promise((resolve) => release.set(name, () => resolve({ status: 'SUCCEEDED', output: { echoed: input } }))),
  });
  sfn = new SFNClient({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  for (const done of release.values()) done();
  sfn?.destroy();
  await endpoint?.close();
});

it('starts, lists and describes executions; same name and input while running is the same execution', async () => {
  const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'run-a', input: '{"action":"apply"}' }));
  expect(first.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Hourglass-Runs:run-a');
  expect(first.startDate).toBeInstanceOf(Date);
  const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'run-a', input: '{"action":"apply"}' }));
  expect(again.executionArn).toBe(first.executionArn);
  const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: SM, statusFilter: 'RUNNING' }));
  expect(running.executions?.map((e) => [e.name, e.status])).toEqual([['run-a', 'RUNNING']]);

  release.get('run-a')!();
  await vi.waitFor(async () => expect((await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }))).status).toBe('SUCCEEDED'));
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
  expect(JSON.parse(described.output!)).toEqual({ echoed: { action: 'apply' } });
  expect(described.stopDate).toBeInstanceOf(Date);
  expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: SM, statusFilter: 'RUNNING' }))).executions).toEqual([]);
  // A finished execution's name is never reused, whatever the input.
  await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'run-a', input: '{"action":"apply"}' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
});

it('running with another input under the same name is ExecutionAlreadyExists', async () => {
  await sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'run-b', input: '{}' }));
  const error = await sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'run-b', input: '{"x":1}' })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ExecutionAlreadyExists);
  expect((error as Error).message).toBe("Execution Already Exists: 'arn:aws:states:us-east-1:000000000000:execution:Hourglass-Runs:run-b'");
});

it.each([
  ['InvalidName', { stateMachineArn: SM, name: 'has space', input: '{}' }, InvalidName],
  ['InvalidName (too long)', { stateMachineArn: SM, name: 'n'.repeat(81), input: '{}' }, InvalidName],
  ['InvalidArn', { stateMachineArn: 'not-an-arn', name: 'ok', input: '{}' }, InvalidArn],
  ['StateMachineDoesNotExist', { stateMachineArn: SM.replace('Hourglass-Runs', 'Other'), name: 'ok', input: '{}' }, StateMachineDoesNotExist],
  ['InvalidExecutionInput', { stateMachineArn: SM, name: 'ok', input: '{not json' }, InvalidExecutionInput],
])('StartExecution refuses with %s and starts nothing', async (_what, params, type) => {
  const before = endpoint.executions.length;
  await expect(sfn.send(new StartExecutionCommand(params))).rejects.toBeInstanceOf(type);
  expect(endpoint.executions.length).toBe(before);
});

it('DescribeExecution of an unknown execution is ExecutionDoesNotExist; of a state machine ARN, InvalidArn', async () => {
  await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${SM.replace(':stateMachine:', ':execution:')}:nope` }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  await expect(sfn.send(new DescribeExecutionCommand({ executionArn: SM }))).rejects.toBeInstanceOf(InvalidArn);
});
