import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  SendfactAuthService,
  SendfactHttpService,
  type SendfactAuthModuleOptions,
} from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  type SendfactStandInOptions,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';

export interface TestApp {
  app: INestApplicationContext;
  auth: SendfactAuthService;
  http: SendfactHttpService;
  standIn: SendfactStandIn;
  close(): Promise<void>;
}

/**
 * A Nest application context with the module pointed at a fresh stand-in, logging in as the stand-in's default
 * account unless `options` say otherwise. Nest's logger is off unless `logger` is given.
 */
export async function startTestApp(
  options: SendfactAuthModuleOptions = {},
  standInOptions: SendfactStandInOptions = {},
  { logger = false }: { logger?: LoggerService | false } = {},
): Promise<TestApp> {
  const standIn = await startSendfactStandIn(standInOptions);
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: standIn.url,
        username: STAND_IN_DEFAULT_ACCOUNT.username,
        password: STAND_IN_DEFAULT_ACCOUNT.password,
        ...options,
      }),
    ],
  })
  class TestAppModule {}
  const app = await NestFactory.createApplicationContext(TestAppModule, { logger });
  return {
    app,
    standIn,
    auth: app.get(SendfactAuthService),
    http: app.get(SendfactHttpService),
    async close() {
      await app.close();
      await standIn.close();
    },
  };
}
