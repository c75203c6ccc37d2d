/** Readers-writer gate: single-item requests share it, a transaction waits for them and holds it alone. */
export class Gate {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { exclusive: boolean; enter: () => void }[] = [];

  enter(exclusive: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiting.push({ exclusive, enter: () => resolve(() => this.leave(exclusive)) });
      this.admit();
    });
  }

  private leave(exclusive: boolean) {
    if (exclusive) this.exclusive = false;
    else this.shared -= 1;
    this.admit();
  }

  /** In arrival order, so a waiting transaction is not starved by the requests behind it. */
  private admit() {
    while (this.waiting.length > 0 && !this.exclusive) {
      const next = this.waiting[0];
      if (next.exclusive && this.shared > 0) return;
      this.waiting.shift();
      if (next.exclusive) this.exclusive = true;
      else this.shared += 1;
      next.enter();
    }
  }
}
