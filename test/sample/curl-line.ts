import type { Sent } from './sample-process.js';

/**
 * What curl would send for a documented line such as
 * `curl -X POST -H 'content-type: application/json' -d '{}' 127.0.0.1:3000/invoices`, on `port` rather than
 * the line's: its method, path, headers (Host included, as curl writes it) and body. It knows -X, -H and -d,
 * the options the docs use, and throws on any other, so that a line it cannot read fails the test.
 */
export function curlLine(line: string, port: number): Sent {
  const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  if (words.shift() !== 'curl') throw new Error(`not a curl line: ${line}`);
  let method: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  let url: URL | undefined;
  while (words.length > 0) {
    const word = words.shift()!;
    if (word === '-X') method = words.shift();
    else if (word === '-d') body = words.shift();
    else if (word === '-H') {
      const [name, ...value] = words.shift()!.split(':');
      headers[name!.trim().toLowerCase()] = value.join(':').trim();
    } else if (!word.startsWith('-') && url === undefined)
      url = new URL(/^https?:\/\//.test(word) ? word : `http://${word}`);
    else throw new Error(`curlLine does not know ${word} in: ${line}`);
  }
  if (!url) throw new Error(`no URL in: ${line}`);
  url.port = String(port);
  // As curl: -d makes a POST of a form unless a content-type is given.
  if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    path: url.pathname,
    headers: { host: url.host, ...headers },
    ...(body === undefined ? {} : { body }),
  };
}
