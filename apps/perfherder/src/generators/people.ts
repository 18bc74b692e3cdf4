/**
 * The people in generated data: push authors (the seeder's history and the ingester's new pushes) and the
 * Treeherder accounts that triage alerts. Shared by the seeder and the ingester, so both write the same
 * kind of names.
 */

const FIRST_NAMES = [
  'alex',
  'sam',
  'kim',
  'jordan',
  'noor',
  'maria',
  'li',
  'aisha',
  'tomas',
  'yuki',
  'olga',
  'pierre',
  'emma',
  'diego',
  'fatima',
  'jan',
  'priya',
  'ben',
  'chloe',
  'omar',
  'ines',
  'marek',
  'sofia',
  'kofi',
];
const LAST_NAMES = [
  'smith',
  'nguyen',
  'garcia',
  'kowalski',
  'tanaka',
  'muller',
  'rossi',
  'dubois',
  'ivanova',
  'silva',
  'chen',
  'haddad',
  'okafor',
  'larsen',
  'novak',
  'patel',
];

/** Push authors: `first.last@mozilla.com`, a stable list so revisions by one author cluster. */
export const AUTHORS: readonly string[] = FIRST_NAMES.flatMap((f, i) =>
  [LAST_NAMES[i % LAST_NAMES.length], LAST_NAMES[(i * 7 + 3) % LAST_NAMES.length]].map(
    (l) => `${f}.${l}@mozilla.com`,
  ),
);

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * A commit author as hg records it, `First Last <email>`, for a push author `first.last@…`.
 *
 * @example
 * commitAuthor('alex.smith@mozilla.com'); // 'Alex Smith <alex.smith@mozilla.com>'
 */
export function commitAuthor(pusher: string): string {
  const local = pusher.split('@')[0] ?? pusher;
  return `${local.split('.').map(capitalize).join(' ')} <${pusher}>`;
}

/** A Treeherder account: `username` is `mozilla-ldap/<email>`, as Treeherder's Auth0 backend names users. */
export interface Account {
  readonly username: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly isStaff: boolean;
}

/**
 * The accounts of generated data: three sheriffs (staff, the alert assignees) and one viewer. Nicknames
 * are word characters only: the Perfherder UI reads the nickname of `assignee_username` with
 * `/\/(\w+)@/` and crashes on anything else.
 */
export const ACCOUNTS: readonly Account[] = [
  ['psheriff', 'Perf', 'Sheriff', true],
  ['kimtanaka', 'Kim', 'Tanaka', true],
  ['omarhaddad', 'Omar', 'Haddad', true],
  ['pviewer', 'Perf', 'Viewer', false],
].map(([nick, firstName, lastName, isStaff]) => ({
  username: `mozilla-ldap/${nick}@mozilla.com`,
  email: `${nick}@mozilla.com`,
  firstName: String(firstName),
  lastName: String(lastName),
  isStaff: isStaff === true,
}));
