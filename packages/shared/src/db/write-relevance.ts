import type { CompiledQuery, OperationNode } from 'kysely';

/**
 * The tables the api's cached public reads show (services/api/src/http/read-cache.ts): a committed
 * write to one of them advances the write clock. `true`: any write; a set: only an UPDATE that sets
 * one of these columns (a processing task's lease and heartbeat stamps are not shown anywhere).
 * Everything else — sessions, tokens, view de-dup rows, notifications, messages, uploads — is not
 * read by a cached route and must not advance it, or the cache would be emptied by every sign-in.
 */
export const CACHED_READ_TABLES: Readonly<Record<string, true | ReadonlySet<string>>> = {
  video_info: true,
  users: true,
  video_tags: true,
  video_search: true,
  comments: true,
  video_tasks: new Set(['video_id', 'kind', 'state', 'progress', 'last_error']),
};

/** What a statement does to the clock. */
export const Effect = { None: 0, Write: 1, Begin: 2, Commit: 3, Rollback: 4 } as const;
export type Effect = (typeof Effect)[keyof typeof Effect];

interface Node {
  kind: string;
  [key: string]: unknown;
}

const READ_TEXT = /^\s*\(?\s*(select|pragma|show|explain|describe|values|savepoint|release|set\s+transaction)\b/i;
const BEGIN_TEXT = /^\s*(begin|start\s+transaction)\b/i;
const COMMIT_TEXT = /^\s*(commit|end)\b/i;
const ROLLBACK_TEXT = /^\s*rollback\s*(transaction|work)?\s*;?\s*$/i;
const WRITE_TEXT = /^\s*(?:insert(?:\s+or\s+\w+)?(?:\s+ignore)?\s+into|replace\s+into|update(?:\s+ignore)?|delete\s+from)\s+[`"]?(\w+)[`"]?/i;

/** The table a TableNode or an aliased one names. */
function tableName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'AliasNode') return tableName(node.node as Node);
  if (node.kind !== 'TableNode') return undefined;
  const id = (node.table as { identifier?: { name?: string } }).identifier;
  return id?.name;
}

/** The column an UPDATE's `set` entry names (`col` or `t.col`). */
function columnName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'ReferenceNode') return columnName(node.column as Node);
  if (node.kind === 'ColumnNode') return (node.column as { name?: string }).name;
  return undefined;
}

/** Whether a write to `table` (setting `columns`, for an UPDATE) can change a cached answer; an unknown table counts. */
function watched(table: string | undefined, columns?: readonly (string | undefined)[]): boolean {
  if (table === undefined) return true;
  const rule = CACHED_READ_TABLES[table];
  if (rule === undefined) return false;
  if (rule === true || columns === undefined) return true;
  return columns.some((c) => c === undefined || rule.has(c));
}

function joinedTables(node: Node): (string | undefined)[] {
  const joins = (node.joins as Node[] | undefined) ?? [];
  return joins.map((j) => tableName(j.table as Node));
}

function fromTables(from: unknown): (string | undefined)[] {
  const froms = ((from as { froms?: Node[] } | undefined)?.froms ?? []) as Node[];
  return froms.map(tableName);
}

function nodeWrites(node: Node): boolean {
  switch (node.kind) {
    case 'SelectQueryNode':
      return withWrites(node);
    case 'InsertQueryNode':
      return withWrites(node) || watched(tableName(node.into as Node));
    case 'UpdateQueryNode': {
      const columns = ((node.updates as Node[] | undefined) ?? []).map((u) => columnName(u.column as Node));
      const tables = [tableName(node.table as Node), ...fromTables(node.from), ...joinedTables(node)];
      // A joined table is read, but MySQL's multi-table UPDATE may set its columns too.
      return withWrites(node) || tables.some((t) => watched(t, columns));
    }
    case 'DeleteQueryNode':
      return withWrites(node) || [...fromTables(node.from), ...fromTables(node.using), ...joinedTables(node)].some((t) => watched(t));
    case 'MergeQueryNode':
      return watched(tableName(node.into as Node));
    default:
      // DDL from migrations and anything Kysely adds later: the safe side.
      return true;
  }
}

/** A `with` clause may hold a writing statement (`with x as (delete … returning …) select …`). */
function withWrites(node: Node): boolean {
  const expressions = ((node.with as { expressions?: Node[] } | undefined)?.expressions ?? []) as Node[];
  return expressions.some((cte) => {
    const inner = cte.expression as Node | undefined;
    return inner !== undefined && inner.kind !== 'SelectQueryNode' ? nodeWrites(inner) : false;
  });
}

/** Raw SQL: told by its text. A write whose table cannot be read off it counts as relevant. */
function rawEffect(text: string): Effect {
  if (READ_TEXT.test(text)) return Effect.None;
  if (BEGIN_TEXT.test(text)) return Effect.Begin;
  if (COMMIT_TEXT.test(text)) return Effect.Commit;
  if (ROLLBACK_TEXT.test(text)) return Effect.Rollback;
  const m = WRITE_TEXT.exec(text);
  return m === null || watched(m[1]) ? Effect.Write : Effect.None;
}

/** What a compiled statement does to the write clock: nothing, a relevant write, or a transaction boundary. */
export function effectOf(query: CompiledQuery): Effect {
  const node = query.query as OperationNode as Node;
  if (node.kind === 'SelectQueryNode' && node.with === undefined) return Effect.None;
  if (node.kind === 'RawNode') return rawEffect(query.sql);
  return nodeWrites(node) ? Effect.Write : Effect.None;
}
