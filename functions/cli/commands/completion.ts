// completion bash|zsh: a completion script generated from commander's command tree (every
// command, its options and the global ones), so it follows the registry with no list to keep.
import type { Command as Commander, Option } from 'commander';
import { UsageError } from '../../engine/errors.js';
import { commandTree } from '../args.js';
import type { CliContext } from '../context.js';

const SHELLS = ['bash', 'zsh'] as const;

/** What an option's value or a command's argument completes to: words, or paths. */
const VALUES: Record<string, string[] | 'dirs' | 'files'> = {
  '--engine': ['clickhouse', 'postgres'],
  '--status': ['pending', 'running', 'succeeded', 'failed'],
  '--order': ['oldest-first', 'newest-first'],
  '--verify': ['require', 'warn', 'skip'],
  '--migrations': 'dirs',
  '--state': 'dirs',
  '--dir': 'dirs',
  '--out': 'files',
};
const ARGUMENTS: Record<string, string[]> = {
  completion: [...SHELLS],
  run: ['apply', 'backfill', 'retry', 'resume', 'verify', 'revert'],
};

interface Tree {
  globals: Option[];
  commands: { name: string; summary: string; options: Option[] }[];
}

function tree(): Tree {
  const program = commandTree();
  // The program's own --version is no option of a command (run --version <n> is run's own).
  const globals = program.options.filter((o) => o.long && o.long !== '--version');
  const globalNames = new Set(globals.map((o) => o.long));
  return {
    globals,
    commands: program.commands.map((c: Commander) => ({ name: c.name(), summary: c.description(), options: c.options.filter((o) => o.long && !globalNames.has(o.long)) })),
  };
}

const takesValue = (o: Option) => o.required || o.optional;

export async function completionCommand(ctx: CliContext): Promise<number> {
  const shell = ctx.args.positionals[0]!;
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`unsupported shell "${shell}": expected ${SHELLS.join(' or ')}`);
  ctx.io.out(shell === 'bash' ? bashScript(tree()) : zshScript(tree()));
  return 0;
}

function bashValueCase(): string {
  return Object.entries(VALUES).map(([flag, v]) => {
    const reply = v === 'dirs' ? 'compgen -d -- "$cur"' : v === 'files' ? 'compgen -f -- "$cur"' : `compgen -W "${v.join(' ')}" -- "$cur"`;
    return `    ${flag}) COMPREPLY=( $(${reply}) ); return ;;`;
  }).join('\n');
}

export function bashScript(t: Tree): string {
  const globalsWithValue = t.globals.filter(takesValue).map((o) => o.long).join('|');
  const valued = [...new Set([...t.globals, ...t.commands.flatMap((c) => c.options)].filter(takesValue).map((o) => o.long!))].filter((f) => !(f in VALUES)).join('|');
  const perCommand = t.commands.map((c) => {
    const args = ARGUMENTS[c.name] ? ` ${ARGUMENTS[c.name]!.join(' ')}` : '';
    return `    ${c.name}) words="${[...c.options, ...t.globals].map((o) => o.long).join(' ')}"; args="${args.trim()}" ;;`;
  }).join('\n');
  return `# hourglass completion for bash: source <(hourglass completion bash)  (or save it under bash-completion's completions/)
_hourglass() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i w words args
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      ${globalsWithValue}) ((i++)) ;;
      -*) ;;
      *) cmd="$w"; break ;;
    esac
  done
  case "$prev" in
${bashValueCase()}
    ${valued}) COMPREPLY=(); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=( $(compgen -W "${t.globals.map((o) => o.long).join(' ')} --help" -- "$cur") )
    else
      COMPREPLY=( $(compgen -W "${t.commands.map((c) => c.name).join(' ')} help" -- "$cur") )
    fi
    return
  fi
  case "$cmd" in
${perCommand}
    *) words=""; args="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$words --help" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$args" -- "$cur") )
  fi
}
complete -F _hourglass hourglass`;
}

/** Text inside a zsh _arguments/_describe spec, in single quotes: no quote, bracket or colon of its own. */
function zshText(text: string): string {
  return text.replace(/'/g, '’').replace(/\[/g, '(').replace(/\]/g, ')').replace(/:/g, ' -').replace(/\n/g, ' ');
}

function zshOption(o: Option): string {
  const help = `${o.long}[${zshText(o.description)}]`;
  if (!takesValue(o)) return `'${help}'`;
  const values = VALUES[o.long!];
  const action = values === 'dirs' ? '_directories' : values === 'files' ? '_files' : values ? `(${values.join(' ')})` : '';
  return `'${help}:${zshText(o.long!.slice(2))}:${action}'`;
}

export function zshScript(t: Tree): string {
  const globals = t.globals.map(zshOption).join(' ');
  const perCommand = t.commands.map((c) => {
    const args = ARGUMENTS[c.name] ? ` '1:${c.name === 'run' ? 'action' : 'shell'}:(${ARGUMENTS[c.name]!.join(' ')})'` : '';
    return `        ${c.name}) _arguments $globals ${c.options.map(zshOption).join(' ')}${args} ;;`;
  }).join('\n');
  return `#compdef hourglass
# hourglass completion for zsh: source <(hourglass completion zsh)  (or save it as _hourglass on $fpath)
_hourglass() {
  local curcontext="$curcontext" state line
  local -a commands globals
  commands=(
${t.commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join('\n')}
  )
  globals=(${globals})
  _arguments -C $globals '1: :->command' '*:: :->args'
  case $state in
    command) _describe -t commands 'hourglass command' commands ;;
    args)
      case $words[1] in
${perCommand}
      esac ;;
  esac
}
if [[ $funcstack[1] == _hourglass ]]; then _hourglass "$@"; else compdef _hourglass hourglass; fi`;
}
