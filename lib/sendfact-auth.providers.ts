import type { Provider } from '@nestjs/common';
import { SendfactCpeService } from './cpe/sendfact-cpe.service.js';
import { SENDFACT_AUTH_OPTIONS } from './sendfact-auth.constants.js';
import { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
import { SendfactAuthService } from './sendfact-auth.service.js';
import { SendfactHttpService, createSendfactHttpService } from './sendfact-http.service.js';

/** The providers built on `SENDFACT_AUTH_OPTIONS`, shared by the module and the testing module. */
export const SENDFACT_AUTH_PROVIDERS: Provider[] = [
  SendfactAuthService,
  SendfactAuthInterceptor,
  {
    provide: SendfactHttpService,
    useFactory: createSendfactHttpService,
    inject: [SendfactAuthInterceptor, SENDFACT_AUTH_OPTIONS],
  },
  SendfactCpeService,
];

export const SENDFACT_AUTH_EXPORTS = [
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthService,
  SendfactAuthInterceptor,
  SendfactHttpService,
  SendfactCpeService,
];
