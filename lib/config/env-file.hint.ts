import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Why required variables may be missing although a `.env` file in the working directory sets them: nothing
 * read it. `@nestjs/config` loads `.env` only through `ConfigModule.forRoot()`. Read only when the boot is
 * already failing, so a healthy boot does no I/O here; any failure to read means no hint.
 */
export function envFileHint(
  missing: readonly string[],
  cwd: string = process.cwd(),
): string | undefined {
  if (missing.length === 0) return undefined;
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return undefined;
  }
  const set = missing.filter((name) =>
    new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`, 'm').test(text),
  );
  if (set.length === 0) return undefined;
  return (
    `a .env file in the working directory sets ${set.join(' and ')}, but it was not read: ` +
    'import ConfigModule.forRoot() from @nestjs/config in your root module, or load the file yourself'
  );
}
