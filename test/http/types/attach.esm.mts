// An ESM app: its axios is typed by axios's index.d.ts.
import axios from 'axios';
import type { SendfactAuthInterceptor, SendfactHttpService } from '../../../lib/index.js';

declare const interceptor: SendfactAuthInterceptor;
declare const http: SendfactHttpService;

const instance = axios.create({ baseURL: 'https://api.example' });
export const detach: () => void = interceptor.attach(instance);
export const again: () => void = interceptor.attach(axios);
export const viaRef: () => void = interceptor.attach(http.forAccount('acme').axiosRef);
export const observable = http.patchForm('/x', { a: 1 }, { sendfactAccount: 'acme' });
