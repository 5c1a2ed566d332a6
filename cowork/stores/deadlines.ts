/**
 * When a waiting session must be looked at again to expire it. The session itself stores its
 * `expiresAt`, so a deadline is only a reminder: acting on it re-reads the session and its
 * transition is guarded like any other. (Answers whose event did not come back are found through
 * the durable in-flight index instead: see `inflight.ts`.)
 */

export interface Deadline {
  sessionKey: string;
  kind: 'expire';
}

export interface DeadlineQueue {
  schedule(at: number, deadline: Deadline): Promise<void>;
  /** Removes and returns every deadline due at or before `now`, earliest first. */
  takeDue(now: number): Promise<Deadline[]>;
  readonly size: number;
}

interface Entry {
  at: number;
  sessionKey: string;
  kind: Deadline['kind'];
}

/**
 * In-process deadlines in a binary min-heap: O(log n) per schedule, about a hundred bytes per
 * waiting session, no timer per session. Reminders do not survive a restart of the process
 * (sessions do: an expired session is refused whenever it is next touched).
 */
export class InMemoryDeadlineQueue implements DeadlineQueue {
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  async schedule(at: number, deadline: Deadline): Promise<void> {
    this.heap.push({ at, sessionKey: deadline.sessionKey, kind: deadline.kind });
    this.siftUp(this.heap.length - 1);
  }

  async takeDue(now: number): Promise<Deadline[]> {
    const due: Deadline[] = [];
    while (this.heap.length > 0 && (this.heap[0] as Entry).at <= now) {
      const top = this.heap[0] as Entry;
      const last = this.heap.pop() as Entry;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.siftDown(0);
      }
      due.push({ sessionKey: top.sessionKey, kind: top.kind });
    }
    return due;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry).at <= (heap[i] as Entry).at) break;
      [heap[parent], heap[i]] = [heap[i] as Entry, heap[parent] as Entry];
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && (heap[left] as Entry).at < (heap[smallest] as Entry).at) smallest = left;
      if (right < heap.length && (heap[right] as Entry).at < (heap[smallest] as Entry).at) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i] as Entry, heap[smallest] as Entry];
      i = smallest;
    }
  }
}
