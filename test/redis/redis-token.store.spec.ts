import { RedisServer } from '../support/redis-server.mjs';
import { redisStoreSuite } from './redis-store.suite.js';

redisStoreSuite({ start: () => RedisServer.start(), store: {} });
