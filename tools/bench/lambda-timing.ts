/**
 * Billed-duration measurement for the benchmark: a middy middleware added to a handler that is already
 * built, timing each invocation from its first `before` to its last `after` / `onError`. The local
 * runtimes only count invocations; Lambda bills duration × memory, so the benchmark needs both.
 */
export interface DurationTally {
  count: number;
  totalMs: number;
}

interface MiddyRequest {
  readonly context: unknown;
}

interface Middyfied {
  use(middleware: {
    before?: (request: MiddyRequest) => void;
    after?: (request: MiddyRequest) => void;
    onError?: (request: MiddyRequest) => void;
  }): unknown;
}

export const timeHandler = (handler: unknown, sink: DurationTally): void => {
  const candidate = handler as Partial<Middyfied>;
  if (typeof candidate.use !== 'function') throw new Error('only middy handlers can be timed');
  const started = new WeakMap<object, number>();
  const stop = (request: MiddyRequest) => {
    const start = started.get(request.context as object);
    if (start === undefined) return;
    started.delete(request.context as object);
    sink.count += 1;
    sink.totalMs += performance.now() - start;
  };
  candidate.use({
    before: (request) => {
      started.set(request.context as object, performance.now());
    },
    after: stop,
    onError: stop,
  });
};
