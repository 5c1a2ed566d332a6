import { setNewest } from '../../util/boundedMap';

describe('setNewest', () => {
  it('keeps the newest entries up to the bound, a key set again counting as new', () => {
    const map = new Map<string, number>();
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      setNewest(map, key, value, 3);
    setNewest(map, 'a', 10, 3); // a is the newest now
    setNewest(map, 'd', 4, 3); // b, the oldest, is forgotten
    expect([...map.entries()]).toEqual([
      ['c', 3],
      ['a', 10],
      ['d', 4],
    ]);
  });

  it('forgets as many as it takes to come back under the bound', () => {
    const map = new Map([
      ['x', 0],
      ['y', 0],
      ['z', 0],
    ]);
    setNewest(map, 'n', 1, 1);
    expect([...map.keys()]).toEqual(['n']);
  });
});
