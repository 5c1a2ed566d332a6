/**
 * Text cut as Salesforce counts it: UTF-16 code units for Text fields (an emoji is 2), UTF-8 bytes
 * for a field limited in bytes; never inside a character. And every Cowork_Status__e field, as the
 * status publisher fills it, fits its force-app length.
 */
import { fitToField } from '../../util/salesforceText';
import { statusFields } from '../../salesforce/statusPublisher';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const STATUS_FIELDS = path.join(__dirname, '../../salesforce/force-app/main/default/objects/Cowork_Status__e/fields');

/** Each field's <length> in the shipped metadata. */
function shippedLengths(): Record<string, number> {
  return Object.fromEntries(
    readdirSync(STATUS_FIELDS).map((file) => [
      file.replace('.field-meta.xml', ''),
      Number(/<length>(\d+)<\/length>/.exec(readFileSync(path.join(STATUS_FIELDS, file), 'utf8'))?.[1]),
    ]),
  );
}

describe('a Text field (UTF-16 units)', () => {
  it('keeps what fits and cuts the rest', () => {
    expect(fitToField('abc', { units: 3 })).toBe('abc');
    expect(fitToField('abcd', { units: 3 })).toBe('abc');
  });
  it('counts an emoji as two units and never keeps half of one', () => {
    expect(fitToField('a🔒b', { units: 3 })).toBe('a🔒');
    expect(fitToField('a🔒b', { units: 2 })).toBe('a');
    expect(fitToField('🔒'.repeat(200), { units: 255 })).toHaveLength(254);
  });
});

describe('a field limited in bytes (UTF-8)', () => {
  it('counts bytes and never cuts inside a character', () => {
    expect(fitToField('abc', { bytes: 3 })).toBe('abc');
    expect(fitToField('é'.repeat(3), { bytes: 5 })).toBe('éé'); // 2 bytes each
    expect(fitToField('a🔒', { bytes: 4 })).toBe('a'); // the emoji is 4 bytes
    expect(Buffer.byteLength(fitToField('日本語'.repeat(2000), { bytes: 4000 }), 'utf8')).toBeLessThanOrEqual(4000);
  });
});

describe('Cowork_Status__e as published', () => {
  it('fits every field its force-app length in UTF-16 units, whatever the text', () => {
    const long = `🔒${'é🔒'.repeat(400)}`;
    const fields = statusFields({ caseId: long, sessionKey: long, state: 'failed', answer: long, detail: long });
    const lengths = shippedLengths();
    expect(Object.keys(fields).sort()).toEqual(Object.keys(lengths).sort());
    for (const [name, value] of Object.entries(fields)) {
      expect(lengths[name]).toBeGreaterThan(0);
      expect(String(value ?? '').length).toBeLessThanOrEqual(lengths[name] ?? 0);
      expect(/[\uD800-\uDBFF]$/.test(String(value ?? ''))).toBe(false);
    }
  });
});
