import { SendfactAbortedError } from '../sendfact-auth.errors.js';

/**
 * `value`, or a {@link SendfactAbortedError} as soon as `signal` fires: the caller stops waiting, the work
 * behind `value` goes on for the others.
 */
export function abortable<T>(
  value: Promise<T>,
  signal: AbortSignal,
  accountId: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new SendfactAbortedError({ accountId, cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    value.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
