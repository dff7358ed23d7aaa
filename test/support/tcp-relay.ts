/**
 * A TCP relay on loopback between the service and its database that can
 * cut the path as a network partition does: `partition()` stops every byte
 * in both directions on the connections already open, and connections
 * opened meanwhile reach nothing; `heal()` lets it all flow again. Nothing
 * is dropped on the floor: as TCP would, the relay holds what was sent
 * until the path is back, so a connection that outlives the partition
 * carries on where it was.
 */
import net from 'node:net';

export class TcpRelay {
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted during a partition, waiting for the path to their target. */
  private readonly waiting = new Set<net.Socket>();
  /** Bytes that arrived as the path was cut, in order, for the socket each was bound for. */
  private held: Array<[net.Socket, Buffer]> = [];
  private cut = false;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpRelay> {
    const server = net.createServer();
    const relay = new TcpRelay(server, target);
    server.on('connection', (client) => relay.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  partition(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.pause();
  }

  heal(): void {
    this.cut = false;
    for (const [to, chunk] of this.held) if (!to.destroyed) to.write(chunk);
    this.held = [];
    for (const socket of this.sockets) socket.resume();
    for (const client of this.waiting) this.connect(client);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    for (const socket of [...this.sockets, ...this.waiting]) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => client.destroy());
    if (this.cut) {
      // Like a SYN into a partition: the client waits, and nothing of it reaches the target.
      client.pause();
      this.waiting.add(client);
      client.once('close', () => this.waiting.delete(client));
      return;
    }
    this.connect(client);
  }

  private connect(client: net.Socket): void {
    if (client.destroyed) return;
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.on('error', () => upstream.destroy());
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.resume();
  }

  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.cut) {
        this.held.push([to, chunk]);
        from.pause();
        return;
      }
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (!this.cut) from.resume();
        });
      }
    });
  }
}
