/**
 * Every place a secret can be read from `root`: a deep walk over own properties (string and symbol keys,
 * enumerable or not; getters are not called), array and Map/Set entries, and the bytes of buffers, with a
 * visited set. Returns the paths where one of `secrets` was found.
 */
export function findSecret(root: unknown, secrets: string[], limit = 500_000): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const queue: [unknown, string][] = [[root, '$']];
  const check = (text: string, path: string) => {
    if (secrets.some((s) => text.includes(s))) found.push(path);
  };
  while (queue.length > 0 && seen.size < limit) {
    const [value, path] = queue.shift()!;
    if (typeof value === 'string') {
      check(value, path);
      continue;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    if (seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      check(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1'), path);
      continue;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) queue.push([k, `${path}<key>`], [v, `${path}.get(${String(k)})`]);
    } else if (value instanceof Set) {
      for (const v of value) queue.push([v, `${path}<entry>`]);
    }
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !('value' in descriptor)) continue;
      queue.push([descriptor.value, `${path}.${String(key)}`]);
    }
  }
  if (queue.length > 0) throw new Error(`findSecret: gave up after ${limit} objects`);
  return found;
}
