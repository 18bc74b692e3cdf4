import type { FastifyReply } from 'fastify';

/**
 * Adds `name` (lower case) to the reply's `Vary` header unless it is already listed (or `*`).
 *
 * @example
 * addVary(reply, 'origin');
 */
export function addVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  const list = current === undefined ? '' : String(current);
  const names = list.split(',').map((v) => v.trim().toLowerCase());
  if (names.includes(name) || names.includes('*')) return;
  reply.header('vary', list === '' ? name : `${list}, ${name}`);
}
