import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { App } from 'supertest/types.js';
import {
  type SendfactStandIn,
  STAND_IN_DEFAULT_ACCOUNT,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { AppModule } from './../src/app.module.js';

// End to end: the whole AppModule over HTTP, Sendfact played by the package's local stand-in (real HTTP on
// 127.0.0.1, real signed tokens), configured the way an app is: through SENDFACT_* variables.
describe('InvoicesController (e2e)', () => {
  let standIn: SendfactStandIn;
  let app: INestApplication<App>;

  beforeAll(async () => {
    standIn = await startSendfactStandIn();
    process.env.SENDFACT_USERNAME = STAND_IN_DEFAULT_ACCOUNT.username;
    process.env.SENDFACT_PASSWORD = STAND_IN_DEFAULT_ACCOUNT.password;
    process.env.SENDFACT_BASE_URL = standIn.url;
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();
    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await standIn?.close();
  });

  it('POST /invoices sends the invoice to Sendfact with one token for two calls', async () => {
    for (const n of [1, 2]) {
      await request(app.getHttpServer())
        .post('/invoices')
        .send({ fileName: `20515809822-01-F001-${n}`, xml: '<Invoice/>' })
        .expect(201)
        .expect((res) => {
          expect(res.body.message).toBe(`La Factura numero F001-${n}, ha sido aceptada`);
        });
    }
    expect(standIn.stats.tokenRequests).toBe(1);
  });
});
