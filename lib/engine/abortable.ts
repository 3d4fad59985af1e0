import { SendfactAbortedError } from '../sendfact-auth.errors.js';

/**
 * `value`, or a {@link SendfactAbortedError} as soon as `signal` fires: the caller stops waiting (`onAbort`
 * is told), the work behind `value` goes on for the others.
 */
export function abortable<T>(
  value: Promise<T>,
  signal: AbortSignal,
  accountId: string,
  onAbort: () => void = () => {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      onAbort();
      reject(new SendfactAbortedError({ accountId, cause: signal.reason }));
    };
    signal.addEventListener('abort', aborted, { once: true });
    value.then(
      (result) => {
        signal.removeEventListener('abort', aborted);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', aborted);
        reject(error);
      },
    );
  });
}
