// The state table: runs, windows and locks in one table (key design: functions/engine/state/keys.ts).
// On demand (a backfill's write bursts are short and spiky), point-in-time recovery, deletion
// protection, RETAIN, TTL on
// `expiresAt`. Grants are explicit statements on the table and its one index: no wildcards.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/engine/state/keys.js';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'];

export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const S = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.pk, type: S },
      sortKey: { name: TABLE_KEYS.sk, type: S },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttl,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Run history is the audit trail of what ran against the databases: never dropped with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      // And a `cdk destroy`, a stack rollback or a console click cannot delete it either.
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.gsi1,
      partitionKey: { name: TABLE_KEYS.gsi1pk, type: S },
      sortKey: { name: TABLE_KEYS.gsi1sk, type: S },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  private get resources(): string[] {
    return [this.table.tableArn, `${this.table.tableArn}/index/${TABLE_KEYS.gsi1}`];
  }

  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: READ_ACTIONS, resources: this.resources }));
  }

  grantReadWrite(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...READ_ACTIONS, ...WRITE_ACTIONS], resources: this.resources }));
  }
}
