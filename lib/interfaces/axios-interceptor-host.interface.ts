/* oxlint-disable typescript/no-explicit-any -- structural on purpose: see below */
/**
 * What `SendfactAuthInterceptor.attach()` needs of an axios instance: its interceptor managers and
 * `request()` (to replay a request once after a 401).
 *
 * Written structurally, with method signatures and `any`, so that an instance typed by axios's ESM typings
 * (`index.d.ts`) and one typed by its CommonJS typings (`index.d.cts`, what a CommonJS app compiled with
 * `module: nodenext` sees) both fit: TypeScript treats those two declarations of `AxiosInstance` as
 * unrelated types.
 */
export interface AxiosInterceptorHost {
  interceptors: {
    request: {
      /** Adds a request interceptor; returns its id. */
      use(
        onFulfilled?: ((config: any) => any) | null,
        onRejected?: ((error: any) => any) | null,
        options?: { synchronous?: boolean; runWhen?: (config: any) => boolean },
      ): number;
      /** Removes the request interceptor with this id. */
      eject(id: number): void;
    };
    response: {
      /** Adds a response interceptor; returns its id. */
      use(
        onFulfilled?: ((response: any) => any) | null,
        onRejected?: ((error: any) => any) | null,
      ): number;
      /** Removes the response interceptor with this id. */
      eject(id: number): void;
    };
  };
  /** Sends a request (used to replay one after a 401). */
  request(config: any): Promise<any>;
}
