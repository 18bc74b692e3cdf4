import type pg from 'pg';

const ignore = (): void => {};

/**
 * Listens for a checked-out connection's 'error' until the returned function is called (call it just before the
 * release). A server backend that dies while the connection is checked out (terminated, the server stopped, the
 * socket cut) makes node-postgres emit 'error' on the connection besides failing its statement, also when no
 * statement is running; pg-pool listens only while a connection is idle, and an 'error' nobody listens for
 * crashes the process. The statement's own failure (or the next one's: the connection is then not queryable)
 * carries the news; the release with that error destroys the connection.
 */
export function listenWhileCheckedOut(
  client: pg.ClientBase,
  onError: (error: Error) => void = ignore,
): () => void {
  client.on('error', onError);
  return () => {
    client.removeListener('error', onError);
  };
}
