// A CommonJS app (`module: nodenext`, no "type": "module"): its axios is typed by axios's index.d.cts.
import axios from 'axios';
import type { SendfactAuthInterceptor, SendfactHttpService } from '../../../lib/index.js' with {
  'resolution-mode': 'import',
};

declare const interceptor: SendfactAuthInterceptor;
declare const http: SendfactHttpService;

const instance = axios.create({ baseURL: 'https://api.example' });
export const detach: () => void = interceptor.attach(instance);
export const again: () => void = interceptor.attach(axios);
// The control: the ESM typing of AxiosInstance is not the CommonJS one, which is what broke a nominal attach().
declare function attachNominal(
  instance: import('axios', { with: { 'resolution-mode': 'import' } }).AxiosInstance,
): void;
// @ts-expect-error TS2345, two unrelated declarations of AxiosInstance
attachNominal(instance);

export const observable = http.postForm('/x', { a: 1 }, { sendfactAccount: 'acme' });
