/**
 * For your tests: the testing module (a fixed token, Sendfact answered in-process) and the local stand-in.
 * Never loaded by the main entry.
 *
 * @module nestjs-sendfact-auth/testing
 */
export {
  SendfactStandIn,
  STAND_IN_DEFAULT_ACCOUNT,
  startSendfactStandIn,
  type SendfactStandInAccount,
  type SendfactStandInFault,
  type SendfactStandInOptions,
  type StandInAuthOutcome,
  type StandInLogEntry,
  type StandInStats,
} from './sendfact-stand-in.js';
export {
  SENDFACT_TEST_TOKEN,
  SendfactAuthTestingModule,
  createSendfactTestingOptions,
  type SendfactAuthTestingOptions,
  type SendfactTestRequest,
  type SendfactTestResponse,
} from './sendfact-auth-testing.module.js';
