/** A Map used as a bounded memory: the newest entries kept, the oldest forgotten (a Map keeps insertion order). */

/** Sets `key` as the map's newest entry and forgets the oldest entries beyond `max`. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
