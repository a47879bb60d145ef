// The Lambda context object a handler receives, as the Node.js runtime builds it. Plain
// JavaScript: it runs inside the host's worker threads, which load no TypeScript.
export function lambdaContext({ functionName, memorySize, region, requestId, deadline }) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memorySize),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    // Counts down from the function's timeout in the template, as Lambda's does.
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}
