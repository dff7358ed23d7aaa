/** inject: render a template's references to secrets into a file only its owner can read. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { addClientFlags, clientFor } from '../client-flags';
import { CliError, EXIT_USAGE } from '../exit';
import { fetchValues } from '../fetch-secrets';
import { InjectedFiles } from '../inject/injected-files';
import { parseTemplate, referencedKeys, renderTemplate, TemplateError } from '../inject/template';
import { writeOutput } from '../inject/write-output';
import { withExamples } from '../output';

/** A template is a config file, not a data set: anything larger is a mistake. */
const MAX_TEMPLATE_BYTES = 1024 * 1024;

function readTemplate(file: string | undefined): string {
  const name = file ?? 'standard input';
  const tooLarge = () => new CliError(`${name}: a template is at most 1 MiB`, EXIT_USAGE);
  let text: string;
  try {
    // fd 0, not /dev/stdin: standard input may be a socket, which has no path to open.
    const source = file ?? 0;
    const stat = typeof source === 'number' ? fs.fstatSync(source) : fs.statSync(source);
    if (stat.isFile() && stat.size > MAX_TEMPLATE_BYTES) throw tooLarge();
    text = fs.readFileSync(source, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT_USAGE);
  }
  if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) throw tooLarge();
  return text;
}

function orUsageError<T>(work: () => T, consequence: string): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof TemplateError) throw new CliError(`${error.message}${consequence}`, EXIT_USAGE);
    throw error;
  }
}

export function registerInjectCommand(program: Command): void {
  withExamples(
    addClientFlags(program.command('inject'))
      .description(
        'render {{ secret "KEY" "FIELD" }} (one field) and {{ secret "KEY" }} (the whole value as JSON) in a template into a file created with mode 0600; other {{ }} are left as they are',
      )
      .option('-i, --in <file>', 'the template (default: standard input)')
      .option('-o, --out <file>', 'the file to write (default: standard output, unless it is a terminal)')
      .option('--force', 'replace --out even if inject did not write it, or it was changed since')
      .option('--show-values', 'print to standard output even when it is a terminal'),
    'scoped-secrets inject --in app.env.tpl --out app.env',
    'scoped-secrets inject -i config.yaml.tpl -o /run/app/config.yaml',
  ).action(async (options: { in?: string; out?: string; force?: boolean; showValues?: boolean }, command: Command) => {
    if (options.out === undefined && process.stdout.isTTY && !options.showValues) {
      throw new CliError('standard output is a terminal: give --out FILE, or --show-values to print the values here', EXIT_USAGE);
    }
    const parts = orUsageError(() => parseTemplate(readTemplate(options.in)), '; nothing was written');
    const values = await fetchValues(clientFor(command), referencedKeys(parts), '; nothing was written');
    const text = orUsageError(() => renderTemplate(parts, values), '; nothing was written');
    if (options.out === undefined) process.stdout.write(text);
    else writeOutput(options.out, text, { force: options.force === true, injected: new InjectedFiles() });
  });
}
