// Real Redis topologies on loopback for the store's tests, each started and stopped by its test:
// a cluster of three masters, and one master with one replica behind one sentinel.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, RedisServer, redisServerPath } from './redis-server.mjs';

const run = promisify(execFile);

/** A free port whose cluster bus port (+10000) is free too. */
async function clusterPort() {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 > 65_535) continue;
    const bus = await new Promise((resolve) => {
      // Probe the bus port by binding it for a moment.
      import('node:net').then(({ createServer }) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port + 10_000, '127.0.0.1', () => server.close(() => resolve(true)));
      });
    });
    if (bus) return port;
  }
}

/** Polls `check` (a real query) until it holds: waiting for a condition, not for time. */
export async function until(check, what, attempts = 400) {
  for (let i = 0; i < attempts; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function clusterOk(port) {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.cluster('INFO');
    return /cluster_state:ok/.test(info);
  } finally {
    client.disconnect();
  }
}

export class RedisClusterUnderTest {
  /** @param {RedisServer[]} nodes @param {string} dir */
  constructor(nodes, dir) {
    this.nodes = nodes;
    this.dir = dir;
  }

  /** Startup nodes for ioredis. */
  get startupNodes() {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  /**
   * Three masters (no replicas), joined with `redis-cli --cluster create`. A killed master's slots fail
   * while it is down (full coverage is not required, so the other slots go on).
   */
  static async start() {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const nodes = [];
    for (let i = 0; i < 3; i++) {
      const port = await clusterPort();
      nodes.push(
        new RedisServer(port, {
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '1000',
            '--cluster-require-full-coverage',
            'no',
          ],
        }),
      );
    }
    await Promise.all(nodes.map((n) => n.restart()));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const cluster = new RedisClusterUnderTest(nodes, dir);
    await cluster.waitOk();
    return cluster;
  }

  /** Until every running node says cluster_state:ok. */
  async waitOk(nodes = this.nodes) {
    await until(
      async () => (await Promise.all(nodes.map((n) => clusterOk(n.port)))).every(Boolean),
      'cluster_state:ok',
    );
  }

  /** The node that serves `key`'s slot. */
  async nodeFor(key) {
    const probe = new Redis(this.nodes[0].port, '127.0.0.1');
    try {
      const slot = await probe.cluster('KEYSLOT', key);
      const slots = await probe.cluster('SLOTS');
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      return this.nodes.find((n) => n.port === range[2][1]);
    } finally {
      probe.disconnect();
    }
  }

  async stop() {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RedisSentinelUnderTest {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  #sentinel;

  constructor(master, replica, sentinelPort, dir) {
    this.master = master;
    this.replica = replica;
    this.sentinelPort = sentinelPort;
    this.dir = dir;
    this.name = 'sendfact-test';
  }

  /** Options for ioredis (and `RedisTokenStore`'s `redisOptions`). */
  get redisOptions() {
    return { sentinels: [{ host: '127.0.0.1', port: this.sentinelPort }], name: this.name };
  }

  /** One master, one replica of it, one sentinel watching them (quorum 1). */
  static async start() {
    const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
    // --dir: a full resync writes an RDB file, which belongs in the test's directory.
    const master = await RedisServer.start({
      args: ['--replica-announce-ip', '127.0.0.1', '--dir', dir],
    });
    const replica = await RedisServer.start({
      args: [
        '--replicaof',
        '127.0.0.1',
        String(master.port),
        '--replica-announce-ip',
        '127.0.0.1',
        '--dir',
        dir,
      ],
    });
    const sentinelPort = await freePort();
    const self = new RedisSentinelUnderTest(master, replica, sentinelPort, dir);
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${self.name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${self.name} 1000`,
        `sentinel failover-timeout ${self.name} 5000`,
        '',
      ].join('\n'),
    );
    self.#sentinel = spawn(redisServerPath(), [conf, '--sentinel'], { stdio: 'ignore' });
    // Ready when the replica is in sync and the sentinel knows both.
    await until(async () => {
      const info = await self.#ask(master.port, 'INFO', 'replication');
      if (!/connected_slaves:1/.test(info) || !/state=online/.test(info)) return false;
      const replicas = await self.#ask(sentinelPort, 'SENTINEL', 'REPLICAS', self.name);
      return Array.isArray(replicas) && replicas.length === 1;
    }, 'the replica and the sentinel');
    return self;
  }

  /** The port the sentinel names as master now. */
  async masterPort() {
    const [, port] = await this.#ask(
      this.sentinelPort,
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      this.name,
    );
    return Number(port);
  }

  /** `SENTINEL FAILOVER`, then waits until the sentinel names the other node and it acts as master. */
  async failover() {
    const before = await this.masterPort();
    await this.#ask(this.sentinelPort, 'SENTINEL', 'FAILOVER', this.name);
    await until(async () => {
      const now = await this.masterPort();
      if (now === before) return false;
      const role = await this.#ask(now, 'ROLE');
      return role[0] === 'master';
    }, 'the failover');
    return this.masterPort();
  }

  async #ask(port, ...command) {
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(...command);
    } finally {
      client.disconnect();
    }
  }

  async stop() {
    const sentinel = this.#sentinel;
    if (sentinel !== undefined && sentinel.exitCode === null) {
      const exited = new Promise((resolve) => sentinel.once('exit', resolve));
      sentinel.kill('SIGKILL');
      await exited;
    }
    await Promise.all([this.master.stop(), this.replica.stop()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
