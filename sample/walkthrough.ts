import type { INestApplication } from '@nestjs/common';
import { type SendfactTokenEvent, SendfactAuthService } from 'nestjs-sendfact-auth';
import { InvoicesService } from './invoices/invoices.service.js';

const time = (date: Date | undefined) => date?.toISOString().slice(11, 19) ?? '-';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The onboarding transcript: a token, an invoice signed, sent and followed, the token reused, then
 * refreshed in the background before it expires, all through the services a user would inject.
 */
export async function runWalkthrough(
  app: INestApplication,
  say: (line: string) => void,
): Promise<void> {
  const auth = app.get(SendfactAuthService);
  const invoices = app.get(InvoicesService);
  const events: SendfactTokenEvent[] = [];
  auth.events$.subscribe((event) => events.push(event));

  await auth.getAccessToken();
  let state = auth.getTokenState();
  say(
    `1. Token obtained (fingerprint ${state.fingerprint}): expires at ${time(state.expiresAt)} ` +
      `(in ${seconds(state.lifetimeMs ?? 0)}), refreshed in the background from ${time(state.refreshAt)}`,
  );

  const { fileName, signed, sent } = await invoices.issueDemoInvoice();
  say(`2. Invoice ${fileName} signed: hash ${signed.hash_code}`);
  say(`3. Invoice sent: ${sent.message}`);
  const status = await invoices.status(fileName);
  say(`4. Status read: document_status ${status.document_status} (${status.message})`);
  say(`5. Token reused: 3 calls so far, ${invoices.tokenRequests()} token request`);

  state = auth.getTokenState();
  const waitMs = (state.refreshAt?.getTime() ?? Date.now()) - Date.now() + 200;
  if (state.lifetimeMs !== undefined && state.lifetimeMs <= 30_000) {
    say(`6. Waiting ${seconds(waitMs)} until the token is past its refresh point...`);
    await sleep(Math.max(0, waitMs));
    const before = state.fingerprint;
    const started = performance.now();
    const again = await invoices.status(fileName);
    const callMs = performance.now() - started;
    for (
      let i = 0;
      i < 100 && !events.some((e) => e.type === 'token-refreshed' && e.background);
      i++
    ) {
      await sleep(20);
    }
    const refreshed = events.find((e) => e.type === 'token-refreshed' && e.background);
    state = auth.getTokenState();
    say(
      `7. Token refreshed in the background before expiry: the call (${again.message}) took ${callMs.toFixed(1)} ms ` +
        `on the old token while one token request ran behind it` +
        (refreshed?.type === 'token-refreshed' ? ` (${Math.round(refreshed.durationMs)} ms)` : '') +
        `; new fingerprint ${state.fingerprint} (was ${before}), expires at ${time(state.expiresAt)}; ` +
        `${invoices.tokenRequests()} token requests in all`,
    );
  } else {
    say(
      `6. Sendfact tokens live ${seconds(state.lifetimeMs ?? 0)}: the background refresh starts at ` +
        `${time(state.refreshAt)}; watch it on GET /token`,
    );
  }
}
