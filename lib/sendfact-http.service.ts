import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import type { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
import type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';

/**
 * An `@nestjs/axios` `HttpService` for the Sendfact API: its own axios instance (never the global one, never
 * the app's `HttpModule`), `baseURL` set to the Sendfact base URL, bearer tokens attached and refreshed.
 *
 * ```ts
 * const { data } = await firstValueFrom(this.sendfactHttp.post('/api/cpe/send', body));
 * ```
 */
export class SendfactHttpService extends HttpService {}

/** @internal Factory of the module's `SendfactHttpService` provider. */
export function createSendfactHttpService(
  interceptor: SendfactAuthInterceptor,
  options: ResolvedSendfactAuthOptions,
): SendfactHttpService {
  const instance = axios.create({ ...options.http, baseURL: options.baseUrl });
  interceptor.attach(instance);
  // @nestjs/axios 4 (Nest 11) is CommonJS, so its AxiosInstance is axios's CommonJS typing: the same
  // interface declared twice, which TypeScript does not unify with the one this ESM file sees.
  return new SendfactHttpService(instance as unknown as SendfactHttpService['axiosRef']);
}
