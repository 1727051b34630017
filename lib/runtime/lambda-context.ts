import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda invocation context as the Node.js runtime provides it. */
export const lambdaContext = (functionName: string, timeoutSeconds: number, memoryMb: number): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

export class InvocationTimeout extends Error {
  override readonly name = 'InvocationTimeout';
}

/** Runs a handler with Lambda's timeout: past it, the invocation counts as failed. */
export const invokeWithTimeout = async <T>(
  run: (context: Context) => Promise<T>,
  spec: { id: string; timeoutSeconds: number; memoryMb: number },
): Promise<T> => {
  const context = lambdaContext(spec.id, spec.timeoutSeconds, spec.memoryMb);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new InvocationTimeout(`${spec.id} timed out after ${spec.timeoutSeconds} s`)),
          spec.timeoutSeconds * 1000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};
