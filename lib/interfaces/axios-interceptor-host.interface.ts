/* oxlint-disable typescript/no-explicit-any -- structural on purpose: see below */
/**
 * What `SendfactAuthInterceptor.attach()` needs of an axios instance: its defaults, whose `adapter` it wraps
 * with the step that attaches the token, the last one before a request leaves.
 *
 * Written structurally, with `any`, so that an instance typed by axios's ESM typings (`index.d.ts`) and one
 * typed by its CommonJS typings (`index.d.cts`, what a CommonJS app compiled with `module: nodenext` sees)
 * both fit: TypeScript treats those two declarations of `AxiosInstance` as unrelated types.
 */
export interface AxiosInterceptorHost {
  defaults: {
    /** The instance's adapter: a name, a list of names, or a function (axios's `adapter` option). */
    adapter?: any;
  };
}
