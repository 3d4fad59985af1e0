import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { SENDFACT_AUTH_OPTIONS } from 'nestjs-sendfact-auth';
import { createSendfactTestingOptions } from 'nestjs-sendfact-auth/testing';
import { App } from 'supertest/types.js';
import { AppModule } from './../src/app.module.js';

describe('AppController (e2e)', () => {
  let app: INestApplication<App>;

  beforeEach(async () => {
    // The one line docs/TESTING.md gives a suite that never calls Sendfact: no SENDFACT_* needed, no call made.
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    })
      .overrideProvider(SENDFACT_AUTH_OPTIONS)
      .useValue(createSendfactTestingOptions())
      .compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  it('/ (GET)', () => {
    return request(app.getHttpServer()).get('/').expect(200).expect('Hello World!');
  });

  afterEach(async () => {
    await app.close();
  });
});
