// Connections budgeted per peer uid: the user's own clients have their share whatever
// another local user holds, and each other user (or a peer whose uid is unknown) gets a
// small share of its own, inside a small share for all of them together (docs/security.md).

export interface PeerBudgetLimits {
  /** Connections of the daemon's own user. */
  own: number;
  /** Connections of any one other uid (an unknown uid counts as one other user). */
  perOther: number;
  /** Connections of all other uids together. */
  allOthers: number;
}

export type Admission = { ok: true } | { ok: false; reason: string };

/** Which uid is this connection's (null: unknown), admitted or refused with the reason. */
export class PeerBudget {
  private held = new Map<number | null, number>();
  private others = 0;

  constructor(
    private readonly ownUid: number,
    private readonly limits: PeerBudgetLimits,
  ) {}

  admit(uid: number | null): Admission {
    const now = this.held.get(uid) ?? 0;
    if (uid === this.ownUid) {
      if (now >= this.limits.own)
        return { ok: false, reason: `fragd serves at most ${this.limits.own} HTTP connections of yours at once` };
    } else if (now >= this.limits.perOther) {
      return {
        ok: false,
        reason: `fragd serves at most ${this.limits.perOther} HTTP connections of another user (uid ${uid ?? 'unknown'})`,
      };
    } else if (this.others >= this.limits.allOthers) {
      return { ok: false, reason: `fragd serves at most ${this.limits.allOthers} HTTP connections of other users` };
    }
    this.held.set(uid, now + 1);
    if (uid !== this.ownUid) this.others++;
    return { ok: true };
  }

  release(uid: number | null): void {
    const now = this.held.get(uid) ?? 0;
    if (now <= 0) return;
    if (now === 1) this.held.delete(uid);
    else this.held.set(uid, now - 1);
    if (uid !== this.ownUid) this.others--;
  }

  /** Connections held now, by uid (for doctor and tests). */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.held].map(([uid, n]) => [uid === null ? 'unknown' : String(uid), n]));
  }
}
