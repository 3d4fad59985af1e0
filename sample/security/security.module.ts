import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
} from '@nestjs/common';
import { JsonOnlyMiddleware } from './json-only.middleware.js';
import { SameOriginMiddleware } from './same-origin.middleware.js';
import { SecurityOptions } from './security.options.js';

/**
 * Keeps other web sites out of the sample's API: every route answers only requests addressed to this
 * machine and not sent from another origin (SameOriginMiddleware), and writes take JSON only
 * (JsonOnlyMiddleware). Either refusal is a 4xx with a short JSON body, before any controller runs.
 */
@Module({})
export class SecurityModule implements NestModule {
  static forRoot(options: SecurityOptions): DynamicModule {
    return { module: SecurityModule, providers: [{ provide: SecurityOptions, useValue: options }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Every path, unknown ones included; the Host and Origin first, so a foreign page learns nothing more.
    consumer.apply(SameOriginMiddleware, JsonOnlyMiddleware).forRoutes('{*path}');
  }
}
