/** The GitHub Action's entry point (action.yml runs the bundle built from this file): a failure is one ::error:: line and a failed step. */
import { runAction } from './run-action';
import { errorLine } from './workflow-commands';

const write = (text: string) => void process.stdout.write(text);

runAction(process.env, write).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  write(errorLine(`scoped-secrets: ${message.split('\n')[0] ?? ''}`));
  process.exitCode = 1;
});
