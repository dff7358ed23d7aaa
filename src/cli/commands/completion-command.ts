/**
 * completion bash|zsh: a completion script made from the command tree
 * itself, so that it never falls behind the commands. zsh loads the bash
 * one through bashcompinit.
 */
import { Argument, type Command } from 'commander';
import { withExamples } from '../output';

/** Every command path ('' for the top) with the words that may follow it: subcommands, then options. */
function completionTable(root: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const visit = (command: Command, path: string) => {
    const words = [
      ...command.commands.map((sub) => sub.name()),
      ...command.options.flatMap((option) => [option.long, option.short]).filter((flag): flag is string => flag !== undefined),
      '--help',
    ];
    table.set(path, words);
    for (const sub of command.commands) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(root, '');
  return table;
}

export function bashCompletion(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const cases = [...completionTable(root)].map(([path, words]) => `    '${path}') echo '${words.join(' ')}' ;;`).join('\n');
  return `# bash completion for ${name}: eval "$(${name} completion bash)", or save it in ~/.local/share/bash-completion/completions/${name}
${fn}_words() {
  case "$1" in
${cases}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ -n "$(${fn}_words "\${path:+$path }$word")" ]]; then path="\${path:+$path }$word"; fi
  done
  COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

export function zshCompletion(root: Command): string {
  return `# zsh completion for ${root.name()}: eval "$(${root.name()} completion zsh)" in ~/.zshrc
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(root)}`;
}

export function registerCompletionCommand(program: Command): void {
  withExamples(
    program
      .command('completion')
      .description('print a shell completion script')
      .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh'])),
    'eval "$(scoped-secrets completion bash)"      # in ~/.bashrc',
    'eval "$(scoped-secrets completion zsh)"       # in ~/.zshrc',
  ).action((shell: 'bash' | 'zsh') => {
    process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
  });
}
