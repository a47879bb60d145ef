// Public list prices, us-east-1, as assumed by bench/cost-model.ts. DynamoDB on-demand
// after the price cut effective 2024-11-01. Change them here when AWS changes them.
export const PRICES = {
  asOf: '2024-11-01 (us-east-1 list prices; DynamoDB on-demand after the November 2024 cut)',
  stepFunctionsPerTransition: 0.025 / 1000,
  lambdaPerRequest: 0.2 / 1e6,
  lambdaPerGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 } as Record<string, number>,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
};
