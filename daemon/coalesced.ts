// Refreshes that many commits in one turn ask for (the status and reservations files) run
// once, after every call of that turn has committed.

/** A function that runs `fn` once after the current turn, however often it is called meanwhile. */
export function coalesced(fn: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      fn();
    });
  };
}
