/**
 * `work` over `items`, at most `limit` at a time, answering the results in the items' order. A job that
 * reads many partitions keeps its requests in flight bounded: a burst of hundreds at once queues every other
 * request of the same client behind it (its connection pool) and lands on the table at once.
 */
export const mapLimited = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};
