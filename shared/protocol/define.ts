// A method descriptor: the params schema (validated by the daemon at the boundary), the
// result type (a compile-time phantom, so clients that import only types carry no zod at
// run time) and the application errors it can return.
import type { z } from 'zod';
import type { ErrorName } from '../errors.js';

export interface MethodSpec<P extends z.ZodType, R> {
  params: P;
  summary: string;
  errors: readonly ErrorName[];
  /** true when the method changes state (its answer carries instructions, it is logged). */
  mutates: boolean;
  /** Phantom field: never set at run time. */
  readonly __result?: R;
}

export function method<R>() {
  return <P extends z.ZodType>(spec: Omit<MethodSpec<P, R>, '__result'>): MethodSpec<P, R> => spec;
}
