/** Errors that mean "the database cannot be reached now", as opposed to a bug: they become 503; a full disk is a 507. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '57014', // query_canceled: statement_timeout ended a statement of a database too slow to answer in time
  '25P03', // idle_in_transaction_session_timeout ended this replica's transaction
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'WRITER_UNAVAILABLE', // the SQLite write thread is restarting
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  // node-postgres says these in words only: a connection attempt timed out, a statement got no answer in time, a socket closed.
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout expired|Query read timeout|Client has encountered a connection error|Connection ended unexpectedly/i.test(
      message,
    )
  );
}

/** SQLite's full disk, and PostgreSQL's disk_full: a write that cannot fit, which more room will let through. */
const STORAGE_FULL_CODES = new Set(['SQLITE_FULL', '53100']);

export function isStorageFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && STORAGE_FULL_CODES.has(code);
}
