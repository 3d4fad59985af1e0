import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('SendfactAuthInterceptor.attach() types', () => {
  it("accepts an axios instance typed by axios's CommonJS typings and by its ESM typings", async () => {
    // The fixtures pass both kinds of instance; the CommonJS one also checks, with @ts-expect-error,
    // that the two AxiosInstance types really are unrelated there (else the test would prove nothing).
    const result = await promisify(execFile)(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, '-p', 'test/http/types/tsconfig.json'],
      { cwd: root },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result).toEqual({ code: 0, stdout: '' });
  }, 120_000);
});
