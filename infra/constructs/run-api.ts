// The operator's HTTP API: API Gateway REST, IAM authorization on every method, a Lambda
// proxy (functions/handlers/api.ts) that validates and answers with {"error": "..."} on bad
// input. Access logs on the stage; the gateway checks only the coarse shape (a JSON object
// body, the path id) so detailed messages come from the same validation the CLI uses.
import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { LogGroupSettings } from '../logs-config.js';

export class RunApi extends Construct {
  readonly api: apigw.RestApi;

  constructor(scope: Construct, id: string, props: { handler: lambda.IFunction; logGroup: LogGroupSettings }) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', props.logGroup);
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: Stack.of(this).stackName, // Hourglass-<stage>: the stages' APIs are told apart in the console
      description: 'Hourglass runs: start, read, list windows, report, retry failed windows, resume unfinished ones, pause and throttle',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Execution logging needs the account-wide API Gateway CloudWatch role, a regional singleton a stack should not claim.
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({ caller: true, httpMethod: true, ip: true, protocol: true, requestTime: true, resourcePath: true, responseLength: true, status: true, user: true }),
        tracingEnabled: true,
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      defaultIntegration: new apigw.LambdaIntegration(props.handler),
    });
    const api = this.api;
    const validator = api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
    const jsonObject = api.addModel('JsonObject', { contentType: 'application/json', schema: { type: apigw.JsonSchemaType.OBJECT } });
    const withId = { 'method.request.path.id': true };

    const runs = api.root.addResource('runs');
    runs.addMethod('POST', undefined, { requestValidator: validator, requestModels: { 'application/json': jsonObject } });
    // Revert on its own resource, so an IAM policy can allow POST /runs (backfills) and deny
    // execute-api:Invoke on POST /runs/revert; the handler refuses revert on /runs.
    runs.addResource('revert').addMethod('POST', undefined, { requestValidator: validator, requestModels: { 'application/json': jsonObject } });
    const run = runs.addResource('{id}');
    run.addMethod('GET', undefined, { requestValidator: validator, requestParameters: withId });
    run.addResource('windows').addMethod('GET', undefined, {
      requestValidator: validator,
      requestParameters: { ...withId, 'method.request.querystring.status': false, 'method.request.querystring.limit': false, 'method.request.querystring.after': false, 'method.request.querystring.next': false },
    });
    run.addResource('report').addMethod('GET', undefined, { requestValidator: validator, requestParameters: withId });
    for (const action of ['pause', 'unpause']) run.addResource(action).addMethod('POST', undefined, { requestValidator: validator, requestParameters: withId });
    run.addResource('throttle').addMethod('POST', undefined, { requestValidator: validator, requestParameters: withId, requestModels: { 'application/json': jsonObject } });
    for (const action of ['retry', 'resume']) run.addResource(action).addMethod('POST', undefined, { requestValidator: validator, requestParameters: withId });

    // Gateway-side rejections in the same {"error": "..."} shape as the handler's.
    for (const [name, type] of [['BadBody', apigw.ResponseType.BAD_REQUEST_BODY], ['BadParameters', apigw.ResponseType.BAD_REQUEST_PARAMETERS]] as const) {
      api.addGatewayResponse(name, { type, statusCode: '400', templates: { 'application/json': '{"error":$context.error.messageString}' } });
    }

    NagSuppressions.addResourceSuppressions(
      api,
      [
        { id: 'AwsSolutions-APIG3', reason: 'Every method requires SigV4-signed IAM credentials of operators; a WAF web ACL adds cost and no protection an unauthenticated caller could reach. Stage throttling limits abuse by a leaked credential.' },
        { id: 'AwsSolutions-APIG6', reason: 'Stage access logs record every request (caller, resource, status, latency) and the api function logs each decision; method execution logging would require the account-wide API Gateway CloudWatch role, a regional singleton this stack must not take over.' },
        { id: 'AwsSolutions-COG4', reason: 'Callers are operators and tools with IAM credentials: methods use AWS_IAM authorization, not a Cognito user pool.' },
      ],
      true,
    );
  }

  /** The URL of the v1 stage. */
  get url(): string {
    return this.api.url;
  }
}
