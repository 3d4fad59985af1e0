/**
 * What the service and the interceptor call on the telemetry, when it is on. Free of OpenTelemetry types, so
 * that the package's declarations never need `@opentelemetry/api`.
 */
export interface SendfactTelemetryHooks {
  /** Runs one token request of `accountId` inside its span, so that the HTTP client span nests under it. */
  traceTokenRequest<T>(accountId: string, request: () => Promise<T>): Promise<T>;
  /** A caller of `accountId` waits on the network for a token. */
  callerWaited(accountId: string): void;
  /**
   * An outbound request is about to carry the token of `accountId` (the default account when undefined),
   * obtained at `obtainedAt` on the module's clock.
   */
  tokenSent(accountId: string | undefined, obtainedAt: number): void;
  /** Sends the replay of a request that got 401 inside a replay span. */
  traceReplay<T>(accountId: string | undefined, send: () => Promise<T>): Promise<T>;
  /** The token store failed (`false`: each process gets its own tokens) or answers again (`true`). */
  storeHealth(healthy: boolean): void;
  /** Ends open spans and detaches from the meter; called when the module is destroyed. */
  close(): void;
}
