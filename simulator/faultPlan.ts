/**
 * Faults a test or benchmark asked for: REST failures for matching calls, added latency and
 * stalled streams. Ending streams and expiring tokens act at once and live with their owners.
 */

export interface RestFaultSpec {
  /** HTTP method, or '*' for any. */
  method: string;
  /** Path pattern; `*` matches any run of characters, e.g. `/services/data/*\/sobjects/Case/*`. */
  path: string;
  /** How many matching calls fail (default 1). */
  count?: number | undefined;
  /** HTTP status (default 503). */
  status?: number | undefined;
  /** Salesforce errorCode of the answer (default `SERVER_UNAVAILABLE`). */
  errorCode?: string | undefined;
  message?: string | undefined;
}

export interface RestFault {
  status: number;
  errorCode: string;
  message: string;
}

interface ArmedRestFault extends RestFault {
  method: string;
  pattern: RegExp;
  remaining: number;
}

export interface Latency {
  restMs: number;
  pubSubMs: number;
}

export class FaultPlan {
  private restFaults: ArmedRestFault[] = [];
  latency: Latency = { restMs: 0, pubSubMs: 0 };
  private stalled = false;
  private readonly releaseListeners = new Set<() => void>();
  /** Extra delays of the next GetSchema calls, one per call (a cold schema cache on the server's side). */
  private schemaDelays: number[] = [];

  failRest(spec: RestFaultSpec): void {
    const count = spec.count ?? 1;
    const status = spec.status ?? 503;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('status must be an HTTP error status (400-599)');
    if (typeof spec.path !== 'string' || spec.path === '') throw new RangeError('path must be a non-empty pattern');
    const escaped = spec.path
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    this.restFaults.push({
      method: (spec.method ?? '*').toUpperCase(),
      pattern: new RegExp(`^${escaped}$`),
      remaining: count,
      status,
      errorCode: spec.errorCode ?? 'SERVER_UNAVAILABLE',
      message: spec.message ?? 'Injected by the simulator',
    });
  }

  /** The fault for this call, if one is armed; consumes one of its remaining failures. */
  takeRestFault(method: string, path: string): RestFault | undefined {
    const fault = this.restFaults.find((f) => (f.method === '*' || f.method === method) && f.pattern.test(path));
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.restFaults = this.restFaults.filter((f) => f !== fault);
    return { status: fault.status, errorCode: fault.errorCode, message: fault.message };
  }

  setLatency(latency: Partial<Latency>): void {
    for (const [key, value] of Object.entries(latency)) {
      if (value !== undefined && (!Number.isFinite(value) || value < 0 || value > 60_000)) {
        throw new RangeError(`${key} must be between 0 and 60000 ms`);
      }
    }
    this.latency = { ...this.latency, ...latency };
  }

  /** The next `count` GetSchema calls each answer `ms` later than the others. */
  slowSchemaLookups(ms: number, count = 1): void {
    if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new RangeError('ms must be between 0 and 60000');
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    for (let i = 0; i < count; i++) this.schemaDelays.push(ms);
  }

  takeSchemaDelay(): number {
    return this.schemaDelays.shift() ?? 0;
  }

  /** Streams go silent: no events, no keepalives, until `releaseStreams()`. */
  stallStreams(): void {
    this.stalled = true;
  }

  releaseStreams(): void {
    this.stalled = false;
    for (const listener of this.releaseListeners) listener();
  }

  get streamsStalled(): boolean {
    return this.stalled;
  }

  onRelease(listener: () => void): () => void {
    this.releaseListeners.add(listener);
    return () => this.releaseListeners.delete(listener);
  }

  clear(): void {
    this.restFaults = [];
    this.schemaDelays = [];
    this.latency = { restMs: 0, pubSubMs: 0 };
    this.releaseStreams();
  }
}
