/**
 * The log a person searches: `err` is an Error with its type and message whatever was thrown, and a
 * secret never reaches a line.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../bot/logger';

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the logger', () => {
  it('logs err as an Error whatever was thrown: an Error, a string, an object', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json' }, out.stream);
    log.error({ err: new TypeError('boom') }, 'an error');
    log.error({ err: 'the library threw a string' }, 'a string');
    log.error({ err: { statusCode: 503 } }, 'an object');
    const [error, text, object] = out.lines().map((line) => line.err as Record<string, unknown>);
    expect(error).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(text).toMatchObject({ type: 'Error', message: 'the library threw a string' });
    expect(typeof text?.stack).toBe('string');
    expect(object).toMatchObject({ type: 'Error', message: '{"statusCode":503}' });
  });

  it('redacts secrets wherever they appear', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json' }, out.stream);
    log.info({ clientSecret: 's3cret', nested: { password: 'hunter2' } }, 'secrets');
    const line = JSON.stringify(out.lines()[0]);
    expect(line).not.toContain('s3cret');
    expect(line).not.toContain('hunter2');
  });
});
