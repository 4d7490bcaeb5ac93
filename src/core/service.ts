/**
 * A typed name for what a module hands to the modules that depend on it: a port
 * (the relational store, the task queue...) or a store that owns tables. It is
 * declared beside the interface it names, so a dependent imports the contract and the
 * name together, and never the implementation the application picked.
 */
export interface Service<T> {
  readonly name: string;
  /** Carries the type only; never set. */
  readonly type?: T;
}

export function service<T>(name: string): Service<T> {
  return { name };
}
