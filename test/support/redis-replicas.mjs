// Replicas of an app using the built package with a Redis token store (test/fixtures/replica.mjs), each a
// child process driven over IPC. Every message carries an id and gets one answer, so several can be in flight.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPLICA = fileURLToPath(new URL('../fixtures/replica.mjs', import.meta.url));

export class Replica {
  /** @type {import('node:child_process').ChildProcess} */
  #child;
  /** @type {Map<number, (result: any) => void>} */
  #pending = new Map();
  #nextId = 1;

  /**
   * @param {{ standInUrl: string, accounts: Record<string, { username: string, password: string }>,
   *   store: object, auth?: object }} config
   */
  constructor(config) {
    this.#child = fork(REPLICA, [], {
      env: {
        ...process.env,
        STAND_IN_URL: config.standInUrl,
        ACCOUNTS: JSON.stringify(config.accounts),
        STORE_OPTIONS: JSON.stringify(config.store),
        AUTH_OPTIONS: JSON.stringify(config.auth ?? {}),
      },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    /** Lines the replica wrote to stderr (Nest's warnings and errors). */
    this.stderr = '';
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk) => {
      this.stderr += chunk;
      process.stderr.write(chunk);
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`replica exited with ${code}`)));
      this.#child.on('message', (msg) => {
        if (msg.type === 'ready') resolve(undefined);
        else if (msg.type === 'result') {
          this.#pending.get(msg.id)?.(msg);
          this.#pending.delete(msg.id);
        }
      });
    });
  }

  /** Sends one command and resolves with its answer. */
  run(msg) {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...msg, id });
    });
  }

  async close() {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send({ type: 'close' });
    await exited;
  }
}

/**
 * Starts `n` replicas and returns once every one has booted AND made a round trip to its store: the
 * barrier before a cold burst, so that no replica is still connecting when the others start.
 */
export async function startReplicas(n, config) {
  const replicas = Array.from({ length: n }, () => new Replica(config));
  await Promise.all(replicas.map((r) => r.ready));
  await Promise.all(replicas.map((r) => r.run({ type: 'store-ready' })));
  return replicas;
}

/** Sums a counter over results. */
export function sum(results, key) {
  return results.reduce((n, r) => n + r[key], 0);
}
