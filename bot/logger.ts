/**
 * Structured logging with pino: JSON lines in production, a readable format on a terminal.
 * Secrets never reach a log line: known secret-bearing keys are redacted wherever they appear.
 * The key `err` always holds an Error.
 */
import pino, { type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config/config';
import { asError } from '../util/errors';

const REDACTED_KEYS = ['password', 'clientSecret', 'accessToken', 'access_token', 'token', 'secret', 'authorization', 'MicrosoftAppPassword', 'privateKey'];

export function createLogger(options: { level: LogLevel; format: LogFormat }, destination?: pino.DestinationStream): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: null,
    // `err` is always serialised as an Error (type, message, stack), whatever was thrown: a string thrown
    // by a library would otherwise be logged as a bare value, and an object as whatever it holds.
    serializers: { err: (value: unknown) => pino.stdSerializers.err(asError(value)) },
    redact: { paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' },
  };
  if (destination) return pino(base, destination);
  if (options.format === 'pretty') {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(base);
}
