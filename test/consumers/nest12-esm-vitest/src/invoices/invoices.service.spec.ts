import { createRequire } from 'node:module';
import { Test } from '@nestjs/testing';
import { SendfactHttpService } from 'nestjs-sendfact-auth';
import {
  SENDFACT_TEST_TOKEN,
  SendfactAuthTestingModule,
  type SendfactTestRequest,
} from 'nestjs-sendfact-auth/testing';
import { InvoicesService } from './invoices.service.js';

// A unit test with the package's testing kit: a fixed token, Sendfact answered in-process.
describe('InvoicesService', () => {
  it('sends the invoice to /api/cpe/send with the bearer token', async () => {
    const seen: SendfactTestRequest[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        SendfactAuthTestingModule.forRoot({
          isGlobal: true,
          respond: (req) => {
            seen.push(req);
            return { status: 200, data: { message: 'La Factura numero F001-1, ha sido aceptada' } };
          },
        }),
      ],
      providers: [InvoicesService],
    }).compile();

    const result = await moduleRef
      .get(InvoicesService)
      .send('20515809822-01-F001-1', 'PEludm9pY2Uv');

    expect(result.message).toBe('La Factura numero F001-1, ha sido aceptada');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/cpe/send',
      data: { file_name: '20515809822-01-F001-1', file_content: 'PEludm9pY2Uv' },
    });
    expect(seen[0].headers['authorization'] ?? seen[0].headers['Authorization']).toBe(
      `Bearer ${SENDFACT_TEST_TOKEN}`,
    );
    await moduleRef.close();
  });

  it('gets the same SendfactHttpService class from require() as from import (one copy, the ESM build)', () => {
    const require = createRequire(import.meta.url);
    const required = require('nestjs-sendfact-auth') as typeof import('nestjs-sendfact-auth');
    expect(required.SendfactHttpService).toBe(SendfactHttpService);
    // Node's require() takes the `module-sync` condition: the ESM build, the one `import` loaded.
    expect(require.resolve('nestjs-sendfact-auth')).toMatch(/[\\/]dist[\\/]esm[\\/]index\.js$/);
  });
});
