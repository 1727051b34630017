import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { runWithinInvocation } from '../adapters/invocation-deadline.js';

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

/**
 * Runs a handler with Lambda's timeout. Past it the invocation fails (the caller gets InvocationTimeout at
 * once) and is stopped: its abort signal fires, and from then on every AWS request the handler's code still
 * makes (an await that resumes late, a timer it set) is refused before it is sent, so a timed-out
 * invocation writes nothing more, as on Lambda, where the sandbox is frozen at the timeout
 * (lib/adapters/invocation-deadline.ts). Its code cannot be killed in this process, only cut off from the
 * services; `context.getRemainingTimeInMillis()` tells a handler how long it has, as on Lambda.
 */
export const invokeWithTimeout = async <T>(
  run: (context: Context) => Promise<T>,
  spec: { id: string; timeoutSeconds: number; memoryMb: number },
): Promise<T> => {
  const context = lambdaContext(spec.id, spec.timeoutSeconds, spec.memoryMb);
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      runWithinInvocation(stop.signal, () => run(context)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const timeout = new InvocationTimeout(`${spec.id} timed out after ${spec.timeoutSeconds} s`);
          stop.abort(timeout);
          reject(timeout);
        }, spec.timeoutSeconds * 1000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};
