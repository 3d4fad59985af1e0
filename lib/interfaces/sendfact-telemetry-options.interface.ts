/**
 * The `telemetry` option of `SendfactAuthModule.forRoot()`: OpenTelemetry metrics and spans of the token's
 * life, recorded when `@opentelemetry/api` is installed and the app has registered its providers.
 */
export interface SendfactTelemetryOptions {
  /** Record metrics and spans when `@opentelemetry/api` is installed. Default `true`. */
  enabled?: boolean;
  /**
   * Put the account id, in clear, on every metric point and span (`sendfact.account.id`). Default `false`:
   * account ids are often tax ids (RUC) or tenant names that your telemetry backend should not hold, a hash
   * of so short an id is easily reversed, and one series per tenant multiplies your metric series.
   */
  recordAccountId?: boolean;
}
