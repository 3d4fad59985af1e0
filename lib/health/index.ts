/**
 * The `@nestjs/terminus` health indicator. Needs `@nestjs/terminus` 11 or 12; never loaded by the main entry.
 *
 * @module nestjs-sendfact-auth/health
 */
export { SendfactHealthIndicator } from './sendfact.health.js';
export type { SendfactHealthCheckOptions } from './sendfact-health-check-options.interface.js';
export type { SendfactHealthDetails } from './sendfact-health-details.interface.js';
