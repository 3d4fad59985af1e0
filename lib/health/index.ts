export { SendfactHealthIndicator } from './sendfact.health.js';
export type { SendfactHealthCheckOptions } from './sendfact-health-check-options.interface.js';
export type { SendfactHealthDetails } from './sendfact-health-details.interface.js';
