import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeserializeMiddleware, MetadataBearer, Pluggable } from '@smithy/types';

/**
 * The end of an invocation, as the code running in it sees it. On Lambda a timed-out invocation simply
 * stops: the runtime freezes and resets the sandbox, so nothing it had scheduled runs on. The local runtime
 * runs every handler in one Node process, where a promise cannot be killed, so it gives each invocation an
 * abort signal (carried by AsyncLocalStorage through every await, timer and callback the handler starts)
 * and aborts it at the timeout. Every AWS SDK client of the handlers (lib/adapters/aws-clients.ts) carries
 * `invocationDeadlinePlugin`, which refuses to send any request, first attempt or retry, once the
 * invocation that issues it has been stopped: after its timeout a handler's later DynamoDB, SQS, S3 or KMS
 * calls throw `InvocationStopped` and never reach the emulator. The check runs as each attempt is handed
 * to the HTTP client, so a request handed over before the timeout (sent, or waiting for a free socket) may
 * still land after it, as a request sent just before a Lambda timeout can. Outside an invocation (on AWS, a
 * test's own calls, the runtime's pollers) there is no signal and the plugin does nothing. The handlers'
 * own HTTP calls (webhook POSTs) pass `boundToInvocation(signal)` to fetch: one the stopped invocation
 * makes is never sent, and one in flight at the timeout is aborted.
 */
const invocations = new AsyncLocalStorage<AbortSignal>();

export class InvocationStopped extends Error {
  override readonly name = 'InvocationStopped';
}

/** Runs `work` as one invocation: `signal` aborted means the invocation is over. */
export const runWithinInvocation = <T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> =>
  invocations.run(signal, work);

/** The running invocation's signal (undefined outside an invocation of the local runtime). */
export const invocationSignal = (): AbortSignal | undefined => invocations.getStore();

/** Throws when the invocation this code runs in has been stopped (its timeout passed). */
export const assertInvocationRunning = (what: string): void => {
  const signal = invocations.getStore();
  if (signal?.aborted)
    throw new InvocationStopped(
      `${what} refused: ${signal.reason instanceof Error ? signal.reason.message : 'the invocation was stopped'}`,
    );
};

/** `signal`, also aborted when the running invocation is stopped (just `signal` outside an invocation). */
export const boundToInvocation = (signal: AbortSignal): AbortSignal => {
  const invocation = invocations.getStore();
  return invocation ? AbortSignal.any([signal, invocation]) : signal;
};

const refuseAfterStop: DeserializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  assertInvocationRunning(String((context as { commandName?: string }).commandName ?? 'an AWS request'));
  return next(args);
};

export const invocationDeadlinePlugin: Pluggable<object, MetadataBearer> = {
  applyToStack: (stack) => {
    // The innermost middleware (low priority in the last step): after the retry and signing middleware, just
    // before the request handler, so every attempt is checked as it is handed over.
    stack.add(refuseAfterStop, {
      step: 'deserialize',
      priority: 'low',
      name: 'kuotaInvocationDeadline',
      override: true,
    });
  },
};
