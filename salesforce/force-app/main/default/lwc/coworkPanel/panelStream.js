/**
 * One live empApi stream of the panel (a channel), with what empApi leaves to its callers:
 *
 * - Only where empApi runs: `streamsAvailable()` asks `isEmpEnabled()` first (it is false in the
 *   mobile app, where empApi does not exist; the bundle is desktop only as well).
 * - One `onError` for the whole page: empApi's `onError` adds a global listener that cannot be
 *   removed, so it is registered once per page load and hands each error to every open stream.
 * - After an error (or a failed subscribe) it resubscribes with a bounded backoff, from the last
 *   event it received, so nothing published during the gap is lost. A replay id the bus no longer
 *   accepts (older than its retention, or from before an org migration) is dropped: the stream
 *   falls back to new events (-1) instead of retrying it forever, and says some updates may be missing.
 * - Replay ids are opaque: kept as received, never compared. An event delivered twice (a replay
 *   after a resubscribe) is recognised by its EventUuid and handed over once.
 */
import { subscribe, unsubscribe, onError, isEmpEnabled } from 'lightning/empApi';

/** Resubscribe delays after an error: 1 s, 2 s, 4 s ... at most 30 s. */
export const RECONNECT_BASE_MS = 1000;
export const RECONNECT_MAX_MS = 30000;
/** Event ids remembered to recognise a redelivery. */
const SEEN_MAX = 500;

const openStreams = new Set();
let errorListenerRegistered = false;

function registerErrorListener() {
  if (errorListenerRegistered) return;
  errorListenerRegistered = true;
  onError((error) => {
    for (const stream of Array.from(openStreams)) stream.failed(error);
  });
}

/** Resolves whether empApi can stream here (false in the Salesforce mobile app). */
export function streamsAvailable() {
  try {
    return Promise.resolve(isEmpEnabled()).then(
      (enabled) => enabled !== false,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}

/** An error empApi gives for a replay id it will not replay from. */
export function isInvalidReplayError(error) {
  const text = describeError(error);
  return /replay\s*id/i.test(text) && /invalid|not valid|corrupt|no longer/i.test(text);
}

export function describeError(error) {
  if (!error) return 'The connection to Salesforce events was lost.';
  if (typeof error === 'string') return error;
  if (error.error) return String(error.error);
  if (error.message) return String(error.message);
  return 'The connection to Salesforce events was lost.';
}

export class PanelStream {
  /**
   * @param channel the topic, e.g. /event/Cowork_Status__e
   * @param handlers { onEvent(message), onState({ receiving, errorText, gap }) }
   */
  constructor(channel, handlers) {
    this.channel = channel;
    this.handlers = handlers;
    this.subscription = undefined;
    this.reconnectTimer = undefined;
    this.reconnectAttempts = 0;
    this.closed = true;
    /** Replay id of the last event received, as received: a resubscribe continues from there. */
    this.lastReplayId = undefined;
    this.seen = [];
  }

  open() {
    this.closed = false;
    openStreams.add(this);
    registerErrorListener();
    return this.connect();
  }

  close() {
    this.closed = true;
    openStreams.delete(this);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) unsubscribe(subscription, () => undefined);
  }

  connect() {
    const from = this.lastReplayId === undefined ? -1 : this.lastReplayId;
    return subscribe(this.channel, from, (message) => this.received(message))
      .then((subscription) => {
        if (this.closed) {
          unsubscribe(subscription, () => undefined);
          return;
        }
        this.subscription = subscription;
        this.reconnectAttempts = 0;
        this.handlers.onState({ receiving: true, errorText: undefined });
      })
      .catch((error) => this.failed(error));
  }

  /** empApi reported an error (or a subscribe failed): say so, drop the subscription, try again later. */
  failed(error) {
    if (this.closed) return;
    const gap = this.lastReplayId !== undefined && isInvalidReplayError(error);
    // The bus will not replay from there: new events only from now on.
    if (gap) this.lastReplayId = undefined;
    this.handlers.onState({ receiving: false, errorText: describeError(error), gap });
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) {
      try {
        unsubscribe(subscription, () => undefined);
      } catch {
        // The connection is already gone; nothing to unsubscribe from.
      }
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.closed || this.reconnectTimer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.reconnectAttempts);
    this.reconnectAttempts += 1;
    // eslint-disable-next-line @lwc/lwc/no-async-operation -- a resubscribe backoff needs a timer
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  received(message) {
    const event = (message && message.data && message.data.event) || {};
    if (event.replayId !== undefined) this.lastReplayId = event.replayId;
    const identity = event.EventUuid || (event.replayId !== undefined ? `replay:${String(event.replayId)}` : undefined);
    if (identity !== undefined) {
      if (this.seen.includes(identity)) return;
      this.seen.push(identity);
      if (this.seen.length > SEEN_MAX) this.seen.shift();
    }
    this.handlers.onEvent(message);
  }
}
