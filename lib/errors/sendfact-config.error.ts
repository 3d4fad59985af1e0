import { SendfactAuthError } from './sendfact-auth.error.js';

/** The module's configuration is missing or malformed. Thrown while the application boots. */
export class SendfactConfigError extends SendfactAuthError {
  override readonly name = 'SendfactConfigError';
  override readonly code = 'CONFIG';
  /** One line per problem, each naming the variable or option, never its value. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid Sendfact configuration: ${problems.join('; ')}`);
    this.problems = [...problems];
  }
}
