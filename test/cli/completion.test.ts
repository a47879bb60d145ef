// `hourglass completion bash|zsh`: a script generated from commander's command tree. The bash
// one is sourced into a real bash and asked what it completes, as the shell would ask it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMMANDS, GLOBAL_OPTIONS, OPTIONS } from '../../functions/cli/registry.js';
import { BIN, hourglass } from '../corpus/cli.js';

/** What bash offers for the words typed so far (the last one is being completed). */
function bashOffers(words: string[]): string[] {
  const script = [
    `source <("${process.execPath}" "${BIN}" completion bash)`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_hourglass',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('hourglass completion', () => {
  it('bash: command names, each command\'s own options, option values and arguments', () => {
    expect(bashOffers(['hourglass', ''])).toEqual(expect.arrayContaining(Object.keys(COMMANDS)));
    expect(bashOffers(['hourglass', 'ba'])).toEqual(['baseline', 'backfill']);
    expect(bashOffers(['hourglass', 'apply', '--d'])).toEqual(['--dry-run']);
    expect(bashOffers(['hourglass', '--url', 'chdb:x', 'repair', '2', '--'])).toEqual(expect.arrayContaining(['--reason', '--by', '--url', '--json']));
    expect(bashOffers(['hourglass', 'status', '--d'])).toEqual([]); // --dry-run is apply's, not status's
    expect(bashOffers(['hourglass', 'new', 'x', '--engine', ''])).toEqual(['clickhouse', 'postgres']);
    expect(bashOffers(['hourglass', 'windows', 'r1', '--status', 'f'])).toEqual(['failed']);
    expect(bashOffers(['hourglass', 'run', 're'])).toEqual(['retry', 'resume', 'revert']);
    expect(bashOffers(['hourglass', 'run', 'backfill', '--vers'])).toEqual(['--version']);
    expect(bashOffers(['hourglass', 'completion', ''])).toEqual(['bash', 'zsh']);
  });

  it('every command and option of the registry is in both scripts', async () => {
    const bash = await hourglass(['completion', 'bash']);
    const zsh = await hourglass(['completion', 'zsh']);
    expect([bash.code, zsh.code, bash.stderr, zsh.stderr]).toEqual([0, 0, '', '']);
    expect(zsh.stdout.startsWith('#compdef hourglass\n')).toBe(true);
    for (const name of Object.keys(COMMANDS)) {
      expect(bash.stdout).toContain(`    ${name}) words=`);
      expect(zsh.stdout).toMatch(new RegExp(`^ {4}'${name}:`, 'm'));
      expect(zsh.stdout).toMatch(new RegExp(`^ {8}${name}\\) _arguments`, 'm'));
    }
    for (const spec of [...Object.values(OPTIONS), ...Object.values(GLOBAL_OPTIONS)]) {
      const flag = spec.flags.split(' ')[0]!;
      expect(bash.stdout).toContain(flag);
      expect(zsh.stdout).toContain(`'${flag}[`);
    }
    expect(execFileSync('bash', ['-n'], { input: bash.stdout })).toBeDefined(); // parses as bash
  });

  it('an unknown shell is one line, exit 2', async () => {
    const r = await hourglass(['completion', 'fish']);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'error: unsupported shell "fish": expected bash or zsh\n']);
  });
});
