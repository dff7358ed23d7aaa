/**
 * Starts the command directly (never through a shell) with the secrets in
 * its environment, forwards signals to it, masks secrets in its output, and
 * resolves with its exit status (128+n when signal n killed it).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { OutputMasker } from './output-masker';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export class CommandNotStarted extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function runChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  masked: readonly string[] | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: masked ? ['inherit', 'pipe', 'pipe'] : 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const detach = () => FORWARDED.forEach((signal) => process.off(signal, forward));

    if (masked) {
      const maskers = [
        [child.stdout, new OutputMasker(masked, (chunk) => process.stdout.write(chunk))],
        [child.stderr, new OutputMasker(masked, (chunk) => process.stderr.write(chunk))],
      ] as const;
      for (const [stream, masker] of maskers) {
        stream?.on('data', (chunk: Buffer) => masker.push(chunk));
        stream?.on('end', () => masker.end());
      }
    }

    child.once('error', (error: NodeJS.ErrnoException) => {
      detach();
      const notFound = error.code === 'ENOENT';
      reject(
        new CommandNotStarted(`cannot run ${command}: ${notFound ? 'not found' : (error.code ?? error.message)}`, notFound ? 127 : 126),
      );
    });
    // 'close' comes after the output streams have ended, so nothing is cut off.
    child.once('close', (code, signal) => {
      detach();
      resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
    });
  });
}
