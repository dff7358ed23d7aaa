/**
 * What a task does with a credential drawn from each kind of dynamic
 * backend: connect with it and use it, with each server's own client. Also
 * run as a script (`node lease-clients.js <kind>`, the credential in
 * LEASE_USERNAME, LEASE_PASSWORD and LEASE_URL) by the command `run
 * --lease` starts.
 */
import fs from 'node:fs';
import amqp from 'amqplib';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';

export interface DrawnCredential {
  readonly username: string;
  readonly password: string;
  readonly url?: string;
}

export type KindName = 'postgresql' | 'mariadb' | 'redis' | 'rabbitmq';

/** A connection that stays open: `closed` settles when the server ends it. */
export interface OpenSession {
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** The table, key or queue each kind's credential is granted, made by its setup in dynamic-servers.ts. */
export const GRANTED = { table: 'lease_items', redisKey: 'lease:item', queue: 'ci.lease.jobs' };

export async function useCredential(kind: KindName, credential: DrawnCredential): Promise<string> {
  switch (kind) {
    case 'postgresql': {
      const client = new pg.Client({ connectionString: credential.url, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        const result = await client.query<{ name: string }>(`SELECT name FROM ${GRANTED.table} ORDER BY name LIMIT 1`);
        return result.rows[0]?.name ?? '';
      } finally {
        await client.end();
      }
    }
    case 'mariadb': {
      const db = await mysql.createConnection({ uri: credential.url, connectTimeout: 5000 });
      try {
        const [rows] = await db.query(`SELECT name FROM ${GRANTED.table} ORDER BY name LIMIT 1`);
        return (rows as Array<{ name: string }>)[0]?.name ?? '';
      } finally {
        await db.end();
      }
    }
    case 'redis': {
      const client = createClient({ url: credential.url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.get(GRANTED.redisKey)) ?? '';
      } finally {
        client.destroy();
      }
    }
    case 'rabbitmq': {
      const connection = await amqp.connect(credential.url as string);
      connection.on('error', () => undefined);
      try {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        await channel.assertQueue(GRANTED.queue, { durable: false });
        channel.sendToQueue(GRANTED.queue, Buffer.from('item'));
        await channel.close();
        return 'item';
      } finally {
        await connection.close().catch(() => undefined);
      }
    }
  }
}

/** The session's end, or a failure naming it after 30 s: a session the revocation left open must fail the test, not hang it. */
export async function sessionEnded(session: OpenSession): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the session was still open 30 s after the revocation')), 30_000);
  });
  try {
    await Promise.race([session.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function openSession(kind: KindName, credential: DrawnCredential): Promise<OpenSession> {
  switch (kind) {
    case 'postgresql': {
      const client = new pg.Client({ connectionString: credential.url });
      const closed = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      await client.connect();
      return { closed, close: () => client.end().catch(() => undefined) };
    }
    case 'mariadb': {
      const db = await mysql.createConnection({ uri: credential.url });
      const closed = new Promise<void>((resolve) => {
        db.on('error', () => resolve());
        db.on('end', () => resolve());
        // A query waits on the connection, so that its end is noticed: a killed connection fails the query, and may raise no 'error'.
        db.query('SELECT SLEEP(60)').then(
          () => undefined,
          () => resolve(),
        );
      });
      return { closed, close: () => db.end().catch(() => undefined) };
    }
    case 'redis': {
      const client = createClient({ url: credential.url, socket: { reconnectStrategy: false } });
      // With no reconnection, node-redis reports a connection the server closed as an error, and no 'end'.
      const closed = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      await client.connect();
      return { closed, close: async () => client.destroy() };
    }
    case 'rabbitmq': {
      const connection = await amqp.connect(credential.url as string);
      const closed = new Promise<void>((resolve) => connection.on('close', () => resolve()));
      connection.on('error', () => undefined);
      return { closed, close: () => connection.close().catch(() => undefined) };
    }
  }
}

if (require.main === module) {
  const [kind, saveTo] = process.argv.slice(2) as [KindName, string | undefined];
  const { LEASE_USERNAME: username = '', LEASE_PASSWORD: password = '', LEASE_URL: url } = process.env;
  useCredential(kind, { username, password, url }).then(
    (read) => {
      // The test that started `run` tries the credential again once run has exited: it must fail by then.
      if (saveTo) fs.writeFileSync(saveTo, JSON.stringify({ username, password, url }));
      process.stdout.write(`used the credential: read ${read}\n`);
    },
    (error: Error) => {
      process.stderr.write(`could not use the credential: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
