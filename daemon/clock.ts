// Every read of the time goes through a Clock, so tests can drive hours in milliseconds.

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds (never jumps with the wall clock); used to detect clock jumps. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private mono = 0;
  constructor(private wall: number) {}
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  /** Time passes normally (both clocks move). */
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** The wall clock jumps (suspend, NTP step) while the monotonic clock does not. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
  set(wall: number): void {
    const delta = wall - this.wall;
    this.wall = wall;
    this.mono += Math.max(0, delta);
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : iso(ms));
