import type { RouterLogger } from '../../src/index.ts';

/** One line a {@link recordingLogger} received. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly msg: string;
}

/** A router logger that keeps every line it is given, in order, for assertions. */
export function recordingLogger(): RouterLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    debug: (fields, msg) => lines.push({ level: 'debug', fields, msg }),
    info: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => lines.push({ level: 'warn', fields, msg }),
    error: (fields, msg) => lines.push({ level: 'error', fields, msg }),
  };
}
