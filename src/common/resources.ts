/**
 * What a process opened, closed again in reverse order: on shutdown, and
 * when start-up fails halfway, so that nothing opened is left behind (a
 * thread, a connection pool, a file watch).
 */
export class Resources {
  private readonly closers: Array<() => Promise<void> | void> = [];

  /** Registers how to close something, right after opening it; returns the thing. */
  add<T>(thing: T, close: (thing: T) => Promise<void> | void): T {
    this.closers.push(() => close(thing));
    return thing;
  }

  async closeAll(): Promise<void> {
    while (this.closers.length > 0) await this.closers.pop()?.();
  }
}
