/**
 * Every parse or semantic failure of a query (fields, filter, sort, limit, offset). The server answers it with
 * `422 {"err":"Invalid argument"}`; the message is for logs and tests only.
 */
export class QueryError extends Error {
  override name = 'QueryError';
}
