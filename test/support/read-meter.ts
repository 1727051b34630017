import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { dynamo } from '../../lib/adapters/aws-clients.js';

/**
 * Counts the items the handlers of this process read from DynamoDB (the shared client the real handlers
 * use; a test's own direct reads go through another client and are not counted): Query and Scan count
 * every item DynamoDB read (ScannedCount), GetItem one when found, BatchGetItem and TransactGetItems each
 * item returned. Counts only between `start()` and `stop()`.
 */
export interface ReadMeter {
  start(): void;
  stop(): { items: number; requests: number };
}

let counting = false;
let items = 0;
let requests = 0;
let installed = false;

/** Read commands, as the low-level client and the document client name them. */
const QUERIES = new Set(['QueryCommand', 'ScanCommand']);
const GETS = new Set(['GetItemCommand', 'GetCommand']);
const BATCHES = new Set([
  'BatchGetItemCommand',
  'BatchGetCommand',
  'TransactGetItemsCommand',
  'TransactGetCommand',
]);

const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  const result = await next(args);
  const command = String((context as { commandName?: string }).commandName ?? '');
  const read = QUERIES.has(command) || GETS.has(command) || BATCHES.has(command);
  if (!counting || !read || !result.output) return result;
  const output = result.output as unknown as {
    ScannedCount?: number;
    Count?: number;
    Item?: unknown;
    Responses?: Record<string, unknown[]> | unknown[];
  };
  requests += 1;
  if (command === 'QueryCommand' || command === 'ScanCommand')
    items += output.ScannedCount ?? output.Count ?? 0;
  else if (command === 'GetItemCommand') items += output.Item ? 1 : 0;
  else if (Array.isArray(output.Responses)) items += output.Responses.length;
  else for (const list of Object.values(output.Responses ?? {})) items += list.length;
  return result;
};

/** Call after the test cloud started (its configuration names the table the handlers use). */
export const readMeter = (): ReadMeter => {
  if (!installed) {
    dynamo().middlewareStack.add(middleware, { step: 'initialize', name: 'testReadMeter' });
    installed = true;
  }
  return {
    start() {
      items = 0;
      requests = 0;
      counting = true;
    },
    stop() {
      counting = false;
      return { items, requests };
    },
  };
};

/** Items read by the handlers during `work`. */
export const itemsReadDuring = async <T>(
  work: () => Promise<T>,
): Promise<{ result: T; items: number; requests: number }> => {
  const meter = readMeter();
  meter.start();
  try {
    const result = await work();
    return { result, ...meter.stop() };
  } finally {
    counting = false;
  }
};
