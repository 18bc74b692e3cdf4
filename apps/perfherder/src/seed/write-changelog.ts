import { generateChangelogEntries } from '../generators/changelog-entries.ts';
import type { Random } from '../generators/random.ts';
import type { RowSink } from './bulk-writer.ts';

/** How far back the seeded changelog reaches (the graphs page asks from its time range's start). */
const CHANGELOG_SPAN_SECONDS = 60 * 86_400;

/** Writes `count` changelog entries with their files over the two months before `endTime`. */
export function writeChangelog(sink: RowSink, random: Random, count: number, endTime: number): void {
  let fileId = 0;
  generateChangelogEntries(random, count, endTime, CHANGELOG_SPAN_SECONDS).forEach((entry, i) => {
    const id = i + 1;
    sink.add('changelog_entry', [
      id,
      entry.remoteId,
      entry.type,
      entry.date,
      entry.author,
      entry.owner,
      entry.project,
      entry.projectUrl,
      entry.message,
      entry.description,
      entry.url,
    ]);
    for (const name of entry.files) {
      fileId += 1;
      sink.add('changelog_file', [fileId, id, name]);
    }
  });
}
