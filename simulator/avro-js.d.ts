/** The slice of avro-js (untyped on npm) the simulator and the publisher (salesforce/grpcPublisher.ts) use. */
declare module 'avro-js' {
  export interface AvroType {
    toBuffer(value: unknown): Buffer;
    /** Throws on truncated or trailing bytes. */
    fromBuffer(buffer: Buffer): unknown;
    isValid(value: unknown): boolean;
  }
  export function parse(schema: string | object): AvroType;
}
