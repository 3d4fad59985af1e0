export { SendfactStandIn, STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn, } from './sendfact-stand-in.js';
export { SENDFACT_TEST_TOKEN, SendfactAuthTestingModule, createSendfactTestingOptions, } from './sendfact-auth-testing.module.js';
//# sourceMappingURL=index.js.map