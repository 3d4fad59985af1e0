import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./token-cycle.model.mjs', import.meta.url));

describe('the token cycle against a model of Sendfact', () => {
  // Its own plain `node` process, with no listener for unhandled rejections: Vitest's workers listen for them
  // themselves, so in here one would never end the process as it ends a user's server. The seed changes every
  // run; a failure prints it, with the shrunk sequence and the line that replays it.
  it('holds every guarantee after every step of 200 sequences on a manual clock and 12 over real HTTP', async () => {
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--unhandled-rejections=throw', script, '--runs', '200', '--http-runs', '12'],
        { timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? ((error.code as number | null) ?? 1) : 0,
            output: `${stdout}\n${stderr
              .split('\n')
              .filter((l) => !l.startsWith('[model] '))
              .join('\n')}`,
          }),
      );
    });
    // On failure the whole output is in the diff: the seed, the shrunk sequence, the line that replays it.
    expect({ code: run.code, output: run.output }).toEqual({
      code: 0,
      output: expect.stringMatching(/fake: 200 sequences passed[\s\S]*http: 12 sequences passed/),
    });
  }, 180_000);
});
