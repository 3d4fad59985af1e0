import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { App } from 'supertest/types.js';
import {
  type SendfactStandIn,
  STAND_IN_DEFAULT_ACCOUNT,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { SENDFACT_AUTH_OPTIONS } from 'nestjs-sendfact-auth';
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

// The same AppModule, its Sendfact options given by the test as a plain object, as forRoot() takes them.
describe('InvoicesController (e2e), options overridden with a plain object', () => {
  let standIn: SendfactStandIn;
  let app: INestApplication<App>;

  beforeAll(async () => {
    standIn = await startSendfactStandIn();
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    })
      .overrideProvider(SENDFACT_AUTH_OPTIONS)
      .useValue({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url })
      .compile();
    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await standIn?.close();
  });

  it('POST /invoices reaches the stand-in with the overridden login', async () => {
    await request(app.getHttpServer())
      .post('/invoices')
      .send({ fileName: '20515809822-01-F001-3', xml: '<Invoice/>' })
      .expect(201);
    expect(standIn.stats.tokensIssued).toBe(1);
  });
});
