/**
 * Reading Pub/Sub API failures. Salesforce puts the precise reason in the `error-code`
 * trailer (`sfdc.platform.eventbus.grpc.…`); the gRPC status code is the coarse one.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

export interface PubSubFailure {
  /** gRPC status code, when the failure came from the server or the channel. */
  grpcCode: number | undefined;
  /** Salesforce's `error-code` trailer, e.g. `sfdc.platform.eventbus.grpc.service.auth.error`. */
  errorCode: string | undefined;
  message: string;
}

interface GrpcLikeError {
  code?: unknown;
  details?: unknown;
  message?: unknown;
  metadata?: { get(key: string): unknown[] };
  cause?: unknown;
}

/** Finds the gRPC error in a (possibly wrapped, via `cause`) failure. */
export function pubSubFailure(error: unknown): PubSubFailure {
  const chain: GrpcLikeError[] = [];
  for (let e: unknown = error; typeof e === 'object' && e !== null && chain.length < 5; e = (e as GrpcLikeError).cause) chain.push(e as GrpcLikeError);
  const grpc = chain.find((e) => typeof e.code === 'number');
  const trailer = grpc?.metadata?.get?.('error-code')?.[0];
  const messages = chain.map((e) => (typeof e.details === 'string' && e.details ? e.details : typeof e.message === 'string' ? e.message : '')).filter(Boolean);
  return {
    grpcCode: typeof grpc?.code === 'number' ? grpc.code : undefined,
    errorCode: typeof trailer === 'string' ? trailer : Buffer.isBuffer(trailer) ? trailer.toString('utf8') : undefined,
    message: messages.join(': ') || String(error),
  };
}

export function isAuthFailure(failure: PubSubFailure): boolean {
  return failure.grpcCode === GrpcStatus.UNAUTHENTICATED || (failure.errorCode?.endsWith('.auth.error') ?? false);
}

/** The replay id we asked for is corrupted or older than the retention window: asking again cannot help. */
export function isReplayIdRejected(failure: PubSubFailure): boolean {
  return /subscription\.fetch\.replayid\.(?:corrupted|validation\.failed)$/.test(failure.errorCode ?? '');
}

export function describeFailure(failure: PubSubFailure): string {
  return [failure.errorCode, failure.message].filter(Boolean).join(' — ');
}
