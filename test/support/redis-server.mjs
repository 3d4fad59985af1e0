// A real redis-server on a free loopback port, without persistence, that a test or a bench can kill and
// restart. Plain JS so that both the tests and the bench scripts use this one helper.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Where the system has it (Debian: /usr/bin/redis-server); CI installs it in `.ci/run`. */
export function redisServerPath() {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class RedisServer {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  #child;

  /** @type {string[]} */
  #args;
  /** @type {string | undefined} */
  #dir;
  /** @type {{ cert: string, key: string } | undefined} */
  #tls;

  /**
   * @param {number} port
   * @param {{ args?: string[], tls?: { cert: string, key: string } }} [options]
   */
  constructor(port, options = {}) {
    this.port = port;
    this.#args = options.args ?? [];
    this.#tls = options.tls;
    this.url = `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
    if (options.tls) {
      // The server reads its certificate from files: a private directory, removed on stop().
      this.#dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
      writeFileSync(join(this.#dir, 'cert.pem'), options.tls.cert);
      writeFileSync(join(this.#dir, 'key.pem'), options.tls.key, { mode: 0o600 });
    }
  }

  /**
   * Starts a server. `args` are extra redis-server arguments (e.g. `--user …` for an ACL user);
   * with `tls` (a PEM certificate and key), it listens with TLS only, at `rediss://`.
   * @param {{ args?: string[], tls?: { cert: string, key: string } }} [options]
   * @returns {Promise<RedisServer>}
   */
  static async start(options = {}) {
    const server = new RedisServer(await freePort(), options);
    await server.restart();
    return server;
  }

  /** (Re)starts the server on the same port and waits until it answers. */
  async restart() {
    const binary = redisServerPath();
    if (binary === undefined)
      throw new Error('redis-server is not installed (apt-get install redis-server)');
    const listen =
      this.#dir === undefined
        ? ['--port', String(this.port)]
        : [
            '--port',
            '0',
            '--tls-port',
            String(this.port),
            '--tls-cert-file',
            join(this.#dir, 'cert.pem'),
            '--tls-key-file',
            join(this.#dir, 'key.pem'),
            '--tls-auth-clients',
            'no',
          ];
    this.#child = spawn(
      binary,
      [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.#args],
      { stdio: 'ignore' },
    );
    const probe = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...(this.#tls ? { tls: { ca: this.#tls.cert } } : {}),
    });
    probe.on('error', () => undefined);
    try {
      for (let i = 0; i < 200; i++) {
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      throw new Error('redis-server did not start');
    } finally {
      probe.disconnect();
    }
  }

  /** Kills it at once (SIGKILL), as a crash would. */
  async kill() {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Options for an ioredis client of the test's admin (default user, trusting the test CA). */
  get adminOptions() {
    return this.#tls ? { tls: { ca: this.#tls.cert } } : {};
  }

  async stop() {
    await this.kill();
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
  }
}
