/**
 * Avro's nullable unions unwrapped the way Salesforce clients show them (`{ string: 'x' }` becomes
 * `'x'`): the bot's subscriber and the simulator's event bus read decoded events the same way.
 */
export function unwrapAvroUnions(decoded: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (decoded === null || typeof decoded !== 'object') return out;
  for (const [key, value] of Object.entries(decoded as Record<string, unknown>)) {
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      const inner = Object.values(value as Record<string, unknown>);
      out[key] = inner.length === 1 ? inner[0] : value;
    } else {
      out[key] = value;
    }
  }
  return out;
}
