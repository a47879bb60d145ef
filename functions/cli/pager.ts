// Long listings (`runs`, `windows`) go through a pager on a terminal, as git does: $PAGER,
// else `less -FRX` (quits when the text fits, keeps colours, leaves the screen as it was).
// Never when stdout is piped or redirected, never for --json; PAGER=cat or an empty PAGER
// turns it off. A pager that cannot start falls back to plain output.
import { spawn } from 'node:child_process';
import type { CliOutput } from './context.js';

export interface Pager {
  out(text: string): void;
  close(): Promise<void>;
}

export function openPager(direct: CliOutput, env: NodeJS.ProcessEnv = process.env): Pager | null {
  if (!process.stdout.isTTY) return null;
  const command = env.HOURGLASS_PAGER ?? env.PAGER ?? 'less -FRX';
  if (command.trim() === '' || command.trim() === 'cat') return null;
  const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...env } });
  let failed = false;
  const exited = new Promise<void>((resolve) => {
    child.once('error', () => {
      failed = true;
      resolve();
    });
    child.once('close', (code) => {
      if (code === 127) failed = true; // the shell found no such pager
      resolve();
    });
  });
  const buffered: string[] = [];
  // The reader quitting early (q in less) closes the pipe: that is not an error.
  child.stdin.on('error', () => undefined);
  return {
    out(text) {
      buffered.push(text);
      if (!failed) child.stdin.write(`${text}\n`);
    },
    async close() {
      child.stdin.end();
      await exited;
      if (failed) for (const line of buffered) direct.out(line);
    },
  };
}
