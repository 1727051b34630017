import { AsyncLocalStorage } from 'node:async_hooks';
import type { InitializeMiddleware, MetadataBearer, Pluggable } from '@smithy/types';

/**
 * What the running local invocation's function may touch beyond its table grants: the partition-key
 * prefixes of each table (IAM's `dynamodb:LeadingKeys` on AWS). On Lambda the role enforces them; the
 * local runtime runs every handler in one process with the same credentials, so it carries each
 * invocation's prefixes here and `leadingKeysPlugin` refuses, before sending, any DynamoDB request whose
 * partition key falls outside them, as IAM would (AccessDeniedException). Outside an invocation (tests'
 * own calls, scripts, the runtime's pollers) nothing is checked.
 */
export interface LeadingKeyGrants {
  /** Table name → the partition-key prefixes the function may read or write there. */
  readonly prefixesByTable: ReadonlyMap<string, readonly string[]>;
  readonly functionId: string;
}

const invocationGrants = new AsyncLocalStorage<LeadingKeyGrants>();

export const runWithLeadingKeyGrants = <T>(grants: LeadingKeyGrants, work: () => Promise<T>): Promise<T> =>
  invocationGrants.run(grants, work);

export class LeadingKeyDenied extends Error {
  override readonly name = 'AccessDeniedException';
}

type Attribute = { S?: string } | string | undefined;
const text = (value: Attribute): string | undefined => (typeof value === 'string' ? value : value?.S);

/** The partition keys (`pk`) a request touches, per table; `undefined` for a request IAM cannot narrow. */
const touchedKeys = (command: string, input: Record<string, unknown>): [string, string | undefined][] => {
  const table = input.TableName as string;
  const key = (item: unknown) => text((item as Record<string, Attribute> | undefined)?.pk);
  switch (command) {
    case 'GetItemCommand':
    case 'DeleteItemCommand':
    case 'UpdateItemCommand':
      return [[table, key(input.Key)]];
    case 'PutItemCommand':
      return [[table, key(input.Item)]];
    case 'QueryCommand': {
      // Only the table's own partition key narrows a query; an index's does not count as the item's.
      if (input.IndexName) return [[table, undefined]];
      const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression ?? ''));
      const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (input.ExpressionAttributeValues ?? {}) as Record<string, Attribute>;
      const attribute = match?.[1]?.startsWith('#') ? names[match[1]] : match?.[1];
      return [[table, attribute === 'pk' && match?.[2] ? text(values[match[2]]) : undefined]];
    }
    case 'BatchGetItemCommand':
      return Object.entries((input.RequestItems ?? {}) as Record<string, { Keys: unknown[] }>).flatMap(
        ([name, request]) => request.Keys.map((k): [string, string | undefined] => [name, key(k)]),
      );
    case 'BatchWriteItemCommand':
      return Object.entries(
        (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]
        >,
      ).flatMap(([name, requests]) =>
        requests.map((r): [string, string | undefined] => [
          name,
          key(r.PutRequest?.Item ?? r.DeleteRequest?.Key),
        ]),
      );
    case 'TransactWriteItemsCommand':
    case 'TransactGetItemsCommand':
      return (
        (input.TransactItems ?? []) as Record<string, { TableName: string; Key?: unknown; Item?: unknown }>[]
      ).map((item): [string, string | undefined] => {
        const [operation] = Object.values(item);
        return [operation?.TableName ?? '', key(operation?.Key ?? operation?.Item)];
      });
    default:
      // Scan and the rest have no leading key: with a LeadingKeys condition IAM refuses them.
      return [[table, undefined]];
  }
};

const refuseOutsideGrants: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  const grants = invocationGrants.getStore();
  if (grants) {
    const command = String((context as { commandName?: string }).commandName ?? '');
    for (const [table, partitionKey] of touchedKeys(command, args.input as Record<string, unknown>)) {
      const prefixes = grants.prefixesByTable.get(table);
      if (!prefixes) continue;
      if (partitionKey === undefined || !prefixes.some((prefix) => partitionKey.startsWith(prefix)))
        throw new LeadingKeyDenied(
          `${grants.functionId} may not ${command.replace(/Command$/, '')} ${partitionKey ?? '(no partition key)'} ` +
            `on ${table}: its spec's keyPrefixes allow ${prefixes.join(', ')} (dynamodb:LeadingKeys on AWS)`,
        );
    }
  }
  return next(args);
};

export const leadingKeysPlugin: Pluggable<object, MetadataBearer> = {
  applyToStack: (stack) => {
    stack.add(refuseOutsideGrants, {
      step: 'initialize',
      priority: 'low',
      name: 'kuotaLeadingKeys',
      override: true,
    });
  },
};
