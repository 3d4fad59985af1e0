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
