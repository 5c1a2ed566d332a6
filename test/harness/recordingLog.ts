/** A `Log` that keeps every entry, so a test can wait for the bot to have seen something. */
import type { Log } from '../../util/log';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

export class RecordingLog implements Log {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  debug(obj: object, msg = ''): void {
    this.add('debug', obj, msg);
  }
  info(obj: object, msg = ''): void {
    this.add('info', obj, msg);
  }
  warn(obj: object, msg = ''): void {
    this.add('warn', obj, msg);
  }
  error(obj: object, msg = ''): void {
    this.add('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Log {
    return new RecordingLog(this.entries, { ...this.bindings, ...bindings });
  }

  find(predicate: (entry: LogEntry) => boolean): LogEntry | undefined {
    return this.entries.find(predicate);
  }

  private add(level: LogEntry['level'], obj: object, msg: string): void {
    this.entries.push({ level, msg, fields: { ...this.bindings, ...(obj as Record<string, unknown>) } });
  }
}
