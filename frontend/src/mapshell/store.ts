// A small observable store: the map screen's shared state lives in one,
// and the docks and panels read it, change it and follow it instead of
// holding each other's variables.

/** Called after a change with the new state and the keys that changed. */
export type Listener<S> = (state: Readonly<S>, changed: ReadonlySet<keyof S>) => void;

export interface Store<S extends object> {
  /** The state now (do not mutate it: use set). */
  get(): Readonly<S>;
  /**
   * Changes some keys; the listeners of the keys whose values changed
   * (by Object.is) are called at once, in the order they subscribed.
   */
  set(patch: Partial<S>): void;
  /** Follows changes to keys (all keys for null); returns the unsubscribe. */
  subscribe(keys: readonly (keyof S)[] | null, listener: Listener<S>): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  const state = { ...initial };
  let subs: { keys: ReadonlySet<keyof S> | null; listener: Listener<S> }[] = [];
  return {
    get: () => state,
    set(patch) {
      const changed = new Set<keyof S>();
      for (const k of Object.keys(patch) as (keyof S)[]) {
        if (Object.is(state[k], patch[k])) continue;
        state[k] = patch[k] as S[keyof S];
        changed.add(k);
      }
      if (changed.size === 0) return;
      // A copy: a listener may subscribe or unsubscribe.
      for (const s of [...subs]) {
        if (!s.keys || [...changed].some((k) => s.keys!.has(k))) s.listener(state, changed);
      }
    },
    subscribe(keys, listener) {
      const sub = { keys: keys ? new Set(keys) : null, listener };
      subs.push(sub);
      return () => {
        subs = subs.filter((s) => s !== sub);
      };
    },
  };
}
