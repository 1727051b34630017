import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DeserializeMiddleware, MetadataBearer, Pluggable } from '@smithy/types';

/**
 * Counts what AWS would bill for every DynamoDB and SQS request this process makes: requests, write
 * request units (WRU) and read request units (RRU), computed from the requests themselves with DynamoDB's
 * on-demand billing rules, never from the ConsumedCapacity an emulator reports (DynamoDB Local gets
 * transactions wrong). Installed as an SDK middleware on the shared clients; it does nothing until
 * `enableCapacityMeter()` is called (the benchmark), so production pays one boolean check per request.
 *
 * Billing rules applied (AWS DynamoDB developer guide, "Read/write capacity mode" and "Item sizes"):
 * - PutItem / UpdateItem / DeleteItem: 1 WRU per started KB of the item; BatchWriteItem: the same per item.
 * - TransactWriteItems: 2 WRU per started KB of each item (ConditionCheck items included).
 * - GetItem: per started 4 KB of the item, 1 RRU strongly consistent, 0.5 eventually consistent (also
 *   when nothing is found); BatchGetItem: the same per returned item; TransactGetItems: 2 RRU per 4 KB.
 * - Query / Scan: the sizes of all items read, summed, then per started 4 KB (1 or 0.5 RRU). A filter
 *   is applied after the read: the meter scales the returned bytes by ScannedCount / Count.
 * - Writes to a table with a global secondary index also write the index. Projection ALL: one write of
 *   the item's size when it enters or changes in the index, one when it leaves, two when its index key
 *   changes (delete + put). KEYS_ONLY: one small write when it enters, leaves or moves, none when only
 *   other attributes change. Register a table's indexes with `registerMeteredTable`. Index entries are
 *   propagated after the write commits, so they are standard writes even when the table write was part of
 *   a transaction (which bills 2 per KB for its items, not for their index entries).
 * - A write whose condition fails is billed like a successful one (ConditionalCheckFailed, cancelled
 *   transactions), less its index writes (nothing changed, so nothing propagates); a throttled request is
 *   not billed and is counted apart.
 * - SQS: every API call is a request, and every started 64 KB of payload in it counts as one more request.
 *
 * Approximations, all documented where they are made:
 * - UpdateItem bills the larger of the item before and after the update, which the request alone does not
 *   show. The meter remembers the size of every attribute of the items it saw written or read in this
 *   process (Put, Get, earlier Updates) and applies the update to that picture: SET replaces an
 *   attribute's size with its new value's, ADD of a number keeps the larger, list_append and set ADD grow
 *   it, REMOVE drops it. For an item it never saw, the item is the key plus the attributes the update
 *   writes (an undercount when the item has other, large attributes).
 * - Index membership of an item is known only from writes the meter saw; an update that does not touch
 *   an index key of an item the meter never saw is assumed not to be in the index.
 * - Numbers are sized as AWS documents them: 1 byte per two significant digits, plus 1.
 */

export type MeteredService = 'dynamodb' | 'sqs';

export interface IndexKeySchema {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /**
   * ALL (the default): any update of an item in the index rewrites it there at the item's size. KEYS_ONLY:
   * only entering, leaving or moving in the index writes it. INCLUDE: as KEYS_ONLY, and also a write that
   * sets one of `nonKeyAttributes` (the entry stays small).
   */
  readonly projection?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

/** A keys-only index entry: the table's and the index's keys, well under 1 KB. */
const KEYS_ONLY_ENTRY_BYTES = 200;

export interface MeteredTableSchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes?: readonly IndexKeySchema[];
}

/** Units charged to one partition (a table's or an index's partition key value). */
export interface UnitCharge {
  readonly table: string;
  readonly index?: string;
  readonly partition: string;
  readonly writeUnits: number;
  readonly readUnits: number;
}

export interface RequestUsage {
  readonly service: MeteredService;
  readonly command: string;
  /** Table name (the first one a transaction touches) or queue name. */
  readonly resource: string;
  /** Billed requests: 1 per call, plus SQS's extra 64 KB chunks. */
  readonly requests: number;
  readonly charges: readonly UnitCharge[];
  /** SQS: a ReceiveMessage that returned no message. */
  readonly emptyReceive?: boolean;
}

// --- Item sizes -------------------------------------------------------------------------------------

const utf8 = (value: string): number => Buffer.byteLength(value, 'utf8');

/** AWS: numbers take about 1 byte per two significant digits, plus 1 byte. */
export const numberSize = (value: string | number | bigint): number => {
  let digits = String(value)
    .trim()
    .replace(/^[-+]/, '')
    .replace(/[eE][-+]?\d+$/, '')
    .replace('.', '');
  digits = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
};

const binaryLength = (value: unknown): number => {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'string') return Buffer.from(value, 'base64').byteLength;
  return 0;
};

const ATTRIBUTE_VALUE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

const isAttributeValue = (value: unknown): value is AttributeValue => {
  if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
    return false;
  const keys = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
  return keys.length === 1 && ATTRIBUTE_VALUE_TYPES.has(keys[0] as string);
};

/** The size of one marshalled value (without its attribute name). */
export const attributeValueSize = (value: AttributeValue): number => {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binaryLength(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, entry) => sum + utf8(entry), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, entry) => sum + numberSize(entry), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, entry) => sum + binaryLength(entry), 0);
  if (value.L !== undefined)
    return 3 + value.L.reduce((sum, entry) => sum + 1 + attributeValueSize(entry), 0);
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, entry]) => sum + 1 + utf8(name) + attributeValueSize(entry as AttributeValue),
        0,
      )
    );
  }
  return 0;
};

/** The size of a native JavaScript value as the document client would marshal it. */
export const nativeValueSize = (value: unknown): number => {
  if (value === null) return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, entry) => sum + nativeValueSize(entry), 0);
  if (Array.isArray(value))
    return 3 + value.reduce((sum: number, entry) => sum + 1 + nativeValueSize(entry), 0);
  if (typeof value === 'object') {
    if (isAttributeValue(value)) return attributeValueSize(value);
    return (
      3 +
      Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .reduce((sum, [name, entry]) => sum + 1 + utf8(name) + nativeValueSize(entry), 0)
    );
  }
  return 0;
};

type AnyItem = Record<string, unknown>;

const isMarshalledItem = (item: AnyItem): boolean => {
  const values = Object.values(item).filter((value) => value !== undefined);
  return values.length > 0 && values.every(isAttributeValue);
};

const valueSize = (value: unknown, marshalled: boolean): number =>
  marshalled ? attributeValueSize(value as AttributeValue) : nativeValueSize(value);

/** An item's size by AWS's rules: the UTF-8 length of every attribute name plus its value's size. */
export const itemSize = (item: AnyItem | undefined): number => {
  if (!item) return 0;
  const marshalled = isMarshalledItem(item);
  return Object.entries(item)
    .filter(([, value]) => value !== undefined)
    .reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value, marshalled), 0);
};

const KB = 1024;
export const writeUnitsFor = (bytes: number, transactional = false): number =>
  Math.max(1, Math.ceil(bytes / KB)) * (transactional ? 2 : 1);

export const readUnitsFor = (
  bytes: number,
  mode: 'eventual' | 'strong' | 'transactional' = 'strong',
): number => {
  const blocks = Math.max(1, Math.ceil(bytes / (4 * KB)));
  return blocks * (mode === 'eventual' ? 0.5 : mode === 'transactional' ? 2 : 1);
};

// --- Request analysis ---------------------------------------------------------------------------------

const tables = new Map<string, MeteredTableSchema>();

/** Tells the meter a table's key names and global secondary indexes (and their projections). */
export const registerMeteredTable = (tableName: string, schema: MeteredTableSchema): void => {
  tables.set(tableName, schema);
};

const GUESSED_PARTITION_KEYS = ['pk', 'PK', 'id'];

const partitionKeyOf = (table: string, key: AnyItem): string => {
  const schema = tables.get(table);
  const name =
    schema?.partitionKey ?? GUESSED_PARTITION_KEYS.find((candidate) => key[candidate] !== undefined);
  const value = name ? key[name] : Object.values(key)[0];
  if (value === undefined) return '?';
  if (isAttributeValue(value)) return String(value.S ?? value.N ?? '?');
  return String(value);
};

const keyOf = (table: string, item: AnyItem): AnyItem => {
  const schema = tables.get(table);
  if (schema) {
    const key: AnyItem = { [schema.partitionKey]: item[schema.partitionKey] };
    if (schema.sortKey) key[schema.sortKey] = item[schema.sortKey];
    return key;
  }
  const name = GUESSED_PARTITION_KEYS.find((candidate) => item[candidate] !== undefined);
  return name ? { [name]: item[name], ...(item.sk !== undefined ? { sk: item.sk } : {}) } : {};
};

const scalar = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (isAttributeValue(value)) return value.S ?? value.N;
  return typeof value === 'object' ? undefined : String(value);
};

/** A key's attributes `names` as one string, whether it is written as AttributeValues or plain values. */
const keyText = (item: AnyItem, names: readonly string[]): string =>
  [...names]
    .sort()
    .map((name) => `${name}=${scalar(item[name]) ?? ''}`)
    .join('\u0000');

/**
 * What the meter remembers about an item it saw written or read: the size of each attribute (name
 * included) and the index partitions it is in.
 */
interface ShadowItem {
  attributes: Map<string, number>;
  indexes: Record<string, string>;
}
const sizeOf = (attributes: ReadonlyMap<string, number>): number =>
  [...attributes.values()].reduce((sum, size) => sum + size, 0);
const attributeSizes = (item: AnyItem | undefined): Map<string, number> => {
  const sizes = new Map<string, number>();
  if (!item) return sizes;
  const marshalled = isMarshalledItem(item);
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) sizes.set(name, utf8(name) + valueSize(value, marshalled));
  }
  return sizes;
};
const MAX_SHADOW_ITEMS = 250_000;
const shadow = new Map<string, ShadowItem>();
const shadowId = (table: string, key: AnyItem): string => {
  const marshalled = isMarshalledItem(key);
  const parts = Object.keys(key)
    .sort()
    .map((name) => `${name}=${marshalled ? scalar(key[name]) : String(key[name])}`);
  return `${table}|${parts.join('|')}`;
};
/** False while analysing a request that failed: its writes did not happen. */
let committing = true;
const remember = (id: string, item: ShadowItem | undefined): void => {
  if (!committing) return;
  if (!item) {
    shadow.delete(id);
    return;
  }
  if (shadow.size >= MAX_SHADOW_ITEMS && !shadow.has(id)) shadow.clear();
  shadow.set(id, item);
};

const indexPartitions = (table: string, item: AnyItem): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const index of tables.get(table)?.indexes ?? []) {
    const partition = scalar(item[index.partitionKey]);
    const sortPresent = !index.sortKey || item[index.sortKey] !== undefined;
    if (partition !== undefined && sortPresent) result[index.indexName] = partition;
  }
  return result;
};

/** Index writes caused by an item moving from `before` to `after` index partitions. */
const indexCharges = (
  table: string,
  before: Record<string, string>,
  after: Record<string, string>,
  size: number,
  /** The attributes the write sets (a Put: all of its item's). */
  written: ReadonlySet<string>,
): UnitCharge[] => {
  const charges: UnitCharge[] = [];
  for (const index of tables.get(table)?.indexes ?? []) {
    const old = before[index.indexName];
    const next = after[index.indexName];
    const keysOnly = index.projection === 'KEYS_ONLY' || index.projection === 'INCLUDE';
    const includedChanged =
      index.projection === 'INCLUDE' && (index.nonKeyAttributes ?? []).some((name) => written.has(name));
    // A keys-only entry is written only when the item enters, leaves or moves in the index (or, INCLUDE,
    // when an attribute it copies is written).
    if (keysOnly && old === next && !(includedChanged && next !== undefined)) continue;
    // Index entries are propagated after the write commits, outside the transaction: standard writes
    // whatever the table write was.
    const units = writeUnitsFor(keysOnly ? KEYS_ONLY_ENTRY_BYTES : size, false);
    if (old !== undefined && old !== next) {
      charges.push({ table, index: index.indexName, partition: old, writeUnits: units, readUnits: 0 });
    }
    if (next !== undefined) {
      charges.push({ table, index: index.indexName, partition: next, writeUnits: units, readUnits: 0 });
    }
  }
  return charges;
};

interface WriteRequest {
  readonly TableName?: string;
  readonly Item?: AnyItem;
  readonly Key?: AnyItem;
  readonly UpdateExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: AnyItem;
}

interface UpdateAction {
  readonly action: 'SET' | 'ADD' | 'DELETE';
  /** The value expression's placeholders (`:x`). */
  readonly placeholders: readonly string[];
  /** `if_not_exists(...)`: keeps an existing value. `list_append(...)`: grows it. */
  readonly keepsExisting: boolean;
  readonly appends: boolean;
}

/** `SET a = :x, b = if_not_exists(b, :y) REMOVE c ADD d :z` → top-level attribute name → what happens. */
const parseUpdate = (request: WriteRequest) => {
  const names = request.ExpressionAttributeNames ?? {};
  const resolve = (path: string) => {
    const first = path.trim().split(/[.[]/)[0] ?? '';
    return names[first] ?? first;
  };
  const actions = new Map<string, UpdateAction>();
  const removed = new Set<string>();
  const clauses = (request.UpdateExpression ?? '').split(/\b(SET|REMOVE|ADD|DELETE)\b/i);
  for (let index = 1; index < clauses.length; index += 2) {
    const action = (clauses[index] ?? '').toUpperCase();
    const body = clauses[index + 1] ?? '';
    const parts: string[] = [];
    let depth = 0;
    let current = '';
    for (const character of body) {
      if (character === '(') depth += 1;
      if (character === ')') depth -= 1;
      if (character === ',' && depth === 0) {
        parts.push(current);
        current = '';
      } else current += character;
    }
    if (current.trim()) parts.push(current);
    for (const part of parts) {
      if (action === 'REMOVE') {
        removed.add(resolve(part));
        continue;
      }
      const [path = '', value = ''] =
        action === 'SET' ? part.split('=') : [part.trim().split(/\s+/)[0], part];
      actions.set(resolve(path), {
        action: action as UpdateAction['action'],
        placeholders: value.match(/:[A-Za-z0-9_]+/g) ?? [],
        keepsExisting: /if_not_exists/i.test(value),
        appends: /list_append/i.test(value),
      });
    }
  }
  return { actions, removed };
};

const writeCharges = (
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck',
  request: WriteRequest,
  transactional: boolean,
): UnitCharge[] => {
  const table = request.TableName ?? '?';
  const key = request.Key ?? (request.Item ? keyOf(table, request.Item) : {});
  const id = shadowId(table, key);
  const known = shadow.get(id);
  const partition = partitionKeyOf(table, key);
  if (kind === 'ConditionCheck') {
    return [{ table, partition, writeUnits: writeUnitsFor(itemSize(key), true), readUnits: 0 }];
  }
  const before = known ? sizeOf(known.attributes) : 0;
  if (kind === 'Put') {
    const attributes = attributeSizes(request.Item);
    const after = sizeOf(attributes);
    const indexes = indexPartitions(table, request.Item ?? {});
    remember(id, { attributes, indexes });
    return [
      { table, partition, writeUnits: writeUnitsFor(Math.max(before, after), transactional), readUnits: 0 },
      ...indexCharges(table, known?.indexes ?? {}, indexes, after, new Set(Object.keys(request.Item ?? {}))),
    ];
  }
  if (kind === 'Delete') {
    const size = known ? before : itemSize(key);
    remember(id, undefined);
    return [
      { table, partition, writeUnits: writeUnitsFor(size, transactional), readUnits: 0 },
      ...indexCharges(table, known?.indexes ?? {}, {}, size, new Set()),
    ];
  }
  // Update: billed on the larger of the item before and after, estimated as described at the top.
  const values = request.ExpressionAttributeValues ?? {};
  const { actions, removed } = parseUpdate(request);
  const attributes = new Map(known?.attributes ?? attributeSizes(key));
  for (const name of removed) attributes.delete(name);
  for (const [name, change] of actions) {
    const old = attributes.get(name);
    const valueBytes = change.placeholders.reduce(
      (sum, placeholder) => sum + valueSize(values[placeholder], true),
      0,
    );
    const fresh = utf8(name) + valueBytes;
    if (old === undefined) attributes.set(name, fresh);
    else if (change.appends) attributes.set(name, old + valueBytes);
    else if (change.keepsExisting || change.action === 'DELETE') attributes.set(name, old);
    else if (change.action === 'ADD' && !isNumberAdd(change, values)) attributes.set(name, old + valueBytes);
    else if (change.action === 'ADD') attributes.set(name, Math.max(old, fresh));
    else attributes.set(name, fresh);
  }
  const after = sizeOf(attributes);
  const size = Math.max(before, after);
  const indexes: Record<string, string> = { ...(known?.indexes ?? {}) };
  for (const index of tables.get(table)?.indexes ?? []) {
    if (removed.has(index.partitionKey)) delete indexes[index.indexName];
    const change = actions.get(index.partitionKey);
    const placeholder =
      change?.action === 'SET' && change.placeholders.length === 1 ? change.placeholders[0] : undefined;
    const value = placeholder ? scalar(values[placeholder]) : undefined;
    if (value !== undefined) indexes[index.indexName] = value;
  }
  remember(id, { attributes, indexes });
  // An item that stays in an index under the same key is still rewritten there (projection ALL).
  return [
    { table, partition, writeUnits: writeUnitsFor(size, transactional), readUnits: 0 },
    ...indexCharges(table, known?.indexes ?? {}, indexes, size, new Set(actions.keys())),
  ];
};

const isNumberAdd = (change: UpdateAction, values: AnyItem): boolean =>
  change.placeholders.every((placeholder) => {
    const value = values[placeholder];
    return isAttributeValue(value) && value.N !== undefined;
  });

const readCharge = (
  table: string,
  key: AnyItem,
  item: AnyItem | undefined,
  mode: 'eventual' | 'strong' | 'transactional',
): UnitCharge => {
  if (item) {
    const id = shadowId(table, key);
    remember(id, { attributes: attributeSizes(item), indexes: indexPartitions(table, item) });
  }
  return {
    table,
    partition: partitionKeyOf(table, key),
    writeUnits: 0,
    readUnits: readUnitsFor(itemSize(item), mode),
  };
};

const DOCUMENT_COMMANDS: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
};

/** `PutItemCommand`, `PutCommand` (document client) → `PutItem`. */
export const normalizeCommand = (name: string): string => {
  const bare = name.replace(/Command$/, '');
  return DOCUMENT_COMMANDS[bare] ?? bare;
};

type Input = Record<string, unknown>;
type Output = Record<string, unknown> | undefined;

/**
 * The units one DynamoDB request is billed, from its input (marshalled) and its output (marshalled or
 * not; undefined when it failed). `billed` false (throttled) charges nothing.
 */
export const dynamoDbRequestUsage = (
  commandName: string,
  input: object,
  output: object | undefined,
  billed = true,
): RequestUsage => {
  committing = output !== undefined;
  try {
    return analyseDynamoDbRequest(commandName, input as Input, output as Output, billed);
  } finally {
    committing = true;
  }
};

const analyseDynamoDbRequest = (
  commandName: string,
  input: Input,
  output: Output,
  billed: boolean,
): RequestUsage => {
  const command = normalizeCommand(commandName);
  const charges: UnitCharge[] = [];
  let resource = String(input.TableName ?? '?');
  const single = (kind: 'Put' | 'Update' | 'Delete') => charges.push(...writeCharges(kind, input, false));
  switch (command) {
    case 'PutItem':
      single('Put');
      break;
    case 'UpdateItem':
      single('Update');
      break;
    case 'DeleteItem':
      single('Delete');
      break;
    case 'TransactWriteItems': {
      const items = (input.TransactItems ?? []) as Record<string, WriteRequest>[];
      for (const entry of items) {
        const kind = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).find((name) => entry[name]);
        const request = kind ? entry[kind] : undefined;
        if (!kind || !request) continue;
        if (resource === '?') resource = String(request.TableName ?? '?');
        charges.push(...writeCharges(kind, request, true));
      }
      break;
    }
    case 'BatchWriteItem': {
      const unprocessed = (output?.UnprocessedItems ?? {}) as Record<string, unknown[]>;
      for (const [table, requests] of Object.entries(
        (input.RequestItems ?? {}) as Record<string, unknown[]>,
      )) {
        if (resource === '?') resource = table;
        const skipped = unprocessed[table]?.length ?? 0;
        for (const request of requests.slice(0, requests.length - skipped) as Record<
          string,
          WriteRequest
        >[]) {
          if (request.PutRequest)
            charges.push(...writeCharges('Put', { ...request.PutRequest, TableName: table }, false));
          if (request.DeleteRequest) {
            charges.push(...writeCharges('Delete', { ...request.DeleteRequest, TableName: table }, false));
          }
        }
      }
      break;
    }
    case 'GetItem':
      charges.push(
        readCharge(
          resource,
          (input.Key ?? {}) as AnyItem,
          output?.Item as AnyItem | undefined,
          input.ConsistentRead ? 'strong' : 'eventual',
        ),
      );
      break;
    case 'TransactGetItems': {
      const requested = (input.TransactItems ?? []) as { Get?: { TableName?: string; Key?: AnyItem } }[];
      const responses = (output?.Responses ?? []) as { Item?: AnyItem }[];
      requested.forEach((entry, index) => {
        const table = String(entry.Get?.TableName ?? '?');
        if (resource === '?') resource = table;
        charges.push(readCharge(table, entry.Get?.Key ?? {}, responses[index]?.Item, 'transactional'));
      });
      break;
    }
    case 'BatchGetItem': {
      const requests = (input.RequestItems ?? {}) as Record<
        string,
        { ConsistentRead?: boolean; Keys?: AnyItem[] }
      >;
      const responses = (output?.Responses ?? {}) as Record<string, AnyItem[]>;
      const unprocessed = (output?.UnprocessedKeys ?? {}) as Record<string, { Keys?: AnyItem[] }>;
      for (const [table, request] of Object.entries(requests)) {
        if (resource === '?') resource = table;
        const mode = request.ConsistentRead ? 'strong' : 'eventual';
        const items = responses[table] ?? [];
        for (const item of items) charges.push(readCharge(table, keyOf(table, item), item, mode));
        // Each key is read as a GetItem would be: one that finds no item still costs the minimum (0.5 or 1
        // unit). A key left unprocessed was not read, and is billed when it is asked again.
        const answered = new Set(
          [...items, ...(unprocessed[table]?.Keys ?? [])].map((item) =>
            keyText(item, Object.keys(request.Keys?.[0] ?? {})),
          ),
        );
        for (const key of request.Keys ?? []) {
          if (!answered.has(keyText(key, Object.keys(key))))
            charges.push(readCharge(table, key, undefined, mode));
        }
      }
      break;
    }
    case 'Query':
    case 'Scan': {
      const items = (output?.Items ?? []) as AnyItem[];
      const returned = items.reduce((sum, item) => sum + itemSize(item), 0);
      const count = Number(output?.Count ?? items.length);
      const scanned = Number(output?.ScannedCount ?? count);
      // A filter drops items after they were read (and billed): scale by what was scanned.
      const bytes = scanned > count && count > 0 ? (returned * scanned) / count : returned;
      const partition =
        command === 'Query'
          ? String(
              Object.values((input.ExpressionAttributeValues ?? {}) as AnyItem)
                .map(scalar)
                .find((value) => value !== undefined) ?? '?',
            )
          : '*';
      charges.push({
        table: resource,
        ...(input.IndexName ? { index: String(input.IndexName) } : {}),
        partition,
        writeUnits: 0,
        readUnits: readUnitsFor(bytes, input.ConsistentRead ? 'strong' : 'eventual'),
      });
      break;
    }
    default:
      break;
  }
  return {
    service: 'dynamodb',
    command,
    resource,
    requests: 1,
    charges: billed ? charges : [],
  };
};

const SQS_CHUNK = 64 * KB;

const messageBytes = (message: Record<string, unknown>): number => {
  const body = utf8(String(message.MessageBody ?? message.Body ?? ''));
  const attributes = Object.entries(
    (message.MessageAttributes ?? {}) as Record<string, Record<string, unknown>>,
  ).reduce(
    (sum, [name, value]) =>
      sum +
      utf8(name) +
      utf8(String(value.DataType ?? '')) +
      utf8(String(value.StringValue ?? '')) +
      binaryLength(value.BinaryValue),
    0,
  );
  return body + attributes;
};

/** SQS bills each API call as a request, and each started 64 KB of its payload as one more. */
export const sqsRequestUsage = (
  commandName: string,
  commandInput: object,
  commandOutput: object | undefined,
): RequestUsage => {
  const input = commandInput as Input;
  const output = commandOutput as Output;
  const command = normalizeCommand(commandName);
  const queueUrl = String(input.QueueUrl ?? input.QueueName ?? '?');
  const resource = queueUrl.split('/').pop() ?? queueUrl;
  let bytes = 0;
  let emptyReceive: boolean | undefined;
  if (command === 'SendMessage') bytes = messageBytes(input);
  if (command === 'SendMessageBatch') {
    bytes = ((input.Entries ?? []) as Record<string, unknown>[]).reduce(
      (sum, entry) => sum + messageBytes(entry),
      0,
    );
  }
  if (command === 'ReceiveMessage') {
    const messages = (output?.Messages ?? []) as Record<string, unknown>[];
    bytes = messages.reduce((sum, message) => sum + messageBytes(message), 0);
    emptyReceive = output !== undefined && messages.length === 0;
  }
  return {
    service: 'sqs',
    command,
    resource,
    requests: Math.max(1, Math.ceil(bytes / SQS_CHUNK)),
    charges: [],
    ...(emptyReceive !== undefined ? { emptyReceive } : {}),
  };
};

// --- Tallies ------------------------------------------------------------------------------------------

export interface Tally {
  requests: number;
  writeUnits: number;
  readUnits: number;
  /** Of writeUnits: the part written to global secondary indexes. */
  indexWriteUnits: number;
  /** Requests refused by throttling (not billed). */
  throttled: number;
  /** Writes whose condition failed (billed). */
  conditionFailed: number;
  /** Other failed requests (not billed). */
  failed: number;
  /** SQS ReceiveMessage calls that returned nothing. */
  emptyReceives: number;
}

const emptyTally = (): Tally => ({
  requests: 0,
  writeUnits: 0,
  readUnits: 0,
  indexWriteUnits: 0,
  throttled: 0,
  conditionFailed: 0,
  failed: 0,
  emptyReceives: 0,
});

const addTally = (target: Tally, source: Tally): void => {
  for (const key of Object.keys(emptyTally()) as (keyof Tally)[]) target[key] += source[key];
};

/** Adds a tally to one row of a breakdown (by command, table or queue), the row starting at zero. */
const addTallyAt = (breakdown: Record<string, Tally>, key: string, source: Tally): void => {
  breakdown[key] ??= emptyTally();
  addTally(breakdown[key], source);
};

/** service|resource|command → tally. */
const tallies = new Map<string, Tally>();
/** table|index|partition → units. */
const MAX_PARTITIONS = 200_000;
const partitions = new Map<string, { writeUnits: number; readUnits: number }>();
let enabled = false;

export const enableCapacityMeter = (on = true): void => {
  enabled = on;
};
export const capacityMeterEnabled = (): boolean => enabled;

export const resetCapacityMeter = (options: { forgetItems?: boolean } = {}): void => {
  tallies.clear();
  partitions.clear();
  if (options.forgetItems) shadow.clear();
};

export type Outcome = 'ok' | 'throttled' | 'condition-failed' | 'failed';

/** Records one request's usage (the middleware calls this; tests may too). */
export const recordUsage = (usage: RequestUsage, outcome: Outcome = 'ok'): void => {
  const id = `${usage.service}|${usage.resource}|${usage.command}`;
  const tally = tallies.get(id) ?? emptyTally();
  tallies.set(id, tally);
  if (outcome === 'throttled') {
    tally.throttled += 1;
    return;
  }
  if (outcome === 'failed') {
    tally.failed += 1;
    return;
  }
  if (outcome === 'condition-failed') tally.conditionFailed += 1;
  tally.requests += usage.requests;
  if (usage.emptyReceive) tally.emptyReceives += 1;
  for (const charge of usage.charges) {
    if (outcome === 'condition-failed' && charge.index) continue;
    // Units land on the table the item belongs to (a transaction may span tables).
    const target =
      charge.table === usage.resource
        ? tally
        : (() => {
            const otherId = `${usage.service}|${charge.table}|${usage.command}`;
            const other = tallies.get(otherId) ?? emptyTally();
            tallies.set(otherId, other);
            return other;
          })();
    target.writeUnits += charge.writeUnits;
    target.readUnits += charge.readUnits;
    if (charge.index) target.indexWriteUnits += charge.writeUnits;
    const partitionId = `${charge.table}|${charge.index ?? ''}|${charge.partition}`;
    const entry = partitions.get(partitionId);
    if (entry) {
      entry.writeUnits += charge.writeUnits;
      entry.readUnits += charge.readUnits;
    } else if (partitions.size < MAX_PARTITIONS) {
      partitions.set(partitionId, { writeUnits: charge.writeUnits, readUnits: charge.readUnits });
    }
  }
};

export interface PartitionUsage {
  readonly table: string;
  readonly index?: string;
  readonly partition: string;
  readonly writeUnits: number;
  readonly readUnits: number;
}

export interface MeterSnapshot {
  readonly dynamodb: Tally & { byCommand: Record<string, Tally>; byTable: Record<string, Tally> };
  readonly sqs: Tally & { byCommand: Record<string, Tally>; byQueue: Record<string, Tally> };
}

export interface SnapshotFilter {
  /** Only these tables (physical names); all when absent. */
  readonly tables?: readonly string[];
  /** Only these queues (names, not URLs); all when absent. */
  readonly queues?: readonly string[];
}

/** Totals since the last reset, optionally restricted to some tables and queues. */
export const capacitySnapshot = (filter: SnapshotFilter = {}): MeterSnapshot => {
  const dynamodb = {
    ...emptyTally(),
    byCommand: {} as Record<string, Tally>,
    byTable: {} as Record<string, Tally>,
  };
  const sqs = {
    ...emptyTally(),
    byCommand: {} as Record<string, Tally>,
    byQueue: {} as Record<string, Tally>,
  };
  for (const [id, tally] of tallies) {
    const [service, resource = '', command = ''] = id.split('|');
    if (service === 'dynamodb') {
      if (filter.tables && !filter.tables.includes(resource)) continue;
      addTally(dynamodb, tally);
      addTallyAt(dynamodb.byCommand, command, tally);
      addTallyAt(dynamodb.byTable, resource, tally);
    } else {
      if (filter.queues && !filter.queues.includes(resource)) continue;
      addTally(sqs, tally);
      addTallyAt(sqs.byCommand, command, tally);
      addTallyAt(sqs.byQueue, resource, tally);
    }
  }
  return { dynamodb, sqs };
};

/** Units per partition key (table and index partitions), hottest first by write units. */
export const partitionUsage = (
  filter: { tables?: readonly string[]; prefix?: string } = {},
): PartitionUsage[] =>
  [...partitions.entries()]
    .map(([id, units]) => {
      const [table = '', index = '', ...rest] = id.split('|');
      return { table, ...(index ? { index } : {}), partition: rest.join('|'), ...units };
    })
    .filter((entry) => !filter.tables || filter.tables.includes(entry.table))
    .filter((entry) => !filter.prefix || entry.partition.startsWith(filter.prefix))
    .sort((a, b) => b.writeUnits - a.writeUnits || b.readUnits - a.readUnits);

// --- The middleware -----------------------------------------------------------------------------------

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ThrottlingError',
]);

const outcomeOf = (error: unknown): Outcome => {
  const name = (error as { name?: string })?.name ?? '';
  if (THROTTLING.has(name)) return 'throttled';
  if (name === 'ConditionalCheckFailedException') return 'condition-failed';
  if (name === 'TransactionCanceledException') {
    const reasons = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
      (reason) => reason.Code,
    );
    if (reasons.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded'))
      return 'throttled';
    if (reasons.includes('ConditionalCheckFailed')) return 'condition-failed';
    // Conflicts and other cancellations: AWS bills the attempt's items like a cancelled transaction.
    return 'condition-failed';
  }
  return 'failed';
};

const usageOf = (clientName: string, command: string, input: Input, output: Output, billed: boolean) =>
  clientName.startsWith('SQS')
    ? sqsRequestUsage(command, input, output)
    : dynamoDbRequestUsage(command, input, output, billed);

const meterMiddleware: DeserializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  if (!enabled) return next(args);
  const clientName = String((context as { clientName?: string }).clientName ?? '');
  const command = String((context as { commandName?: string }).commandName ?? '');
  const input = ((args as { input?: Input }).input ?? {}) as Input;
  try {
    const result = await next(args);
    try {
      recordUsage(usageOf(clientName, command, input, result.output as unknown as Output, true));
    } catch {
      // The meter never breaks a request.
    }
    return result;
  } catch (error) {
    try {
      const outcome = outcomeOf(error);
      recordUsage(usageOf(clientName, command, input, undefined, outcome === 'condition-failed'), outcome);
    } catch {
      // The meter never breaks a request.
    }
    throw error;
  }
};

/**
 * Sits in the deserialize step inside the fault injector (added after it, same priority): what an
 * injected fault stops before the wire is not billed, what reaches the emulator is.
 */
export const capacityMeterPlugin: Pluggable<object, MetadataBearer> = {
  applyToStack: (stack) => {
    stack.add(meterMiddleware, { step: 'deserialize', name: 'kuotaCapacityMeter', priority: 'high' });
  },
};
