/** Where the sample was told to listen: main.ts's `--host` flag or `HOST`. */
export interface SecurityOptions {
  /** The listen address or name, e.g. `127.0.0.1` (the default), `0.0.0.0`, `::1` or `devbox.lan`. */
  host: string;
}

/** The DI token of the {@link SecurityOptions}: one name for the shape and its token, as throttler does. */
export const SecurityOptions = Symbol('SecurityOptions');
