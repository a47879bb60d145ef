// `mkdir -p` that always ends. Node's recursive mkdir never returns for some paths a user may
// type (`/proc/forbidden`: procfs answers ENOENT for the child however often it is retried), so
// the missing levels are found from the nearest existing ancestor and made one by one.
import { existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`${at} is not a directory`);
  for (const level of missing) mkdirSync(level);
}

/**
 * Throws as makeDirectories would, but leaves nothing behind: a read-only command on a path
 * that does not exist yet says so, while a path that can never be a directory stays an error.
 */
export function assertCanMakeDirectories(dir: string): void {
  let first: string | undefined;
  let at = resolve(dir);
  while (!existsSync(at)) {
    first = at;
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`${at} is not a directory`);
  if (first === undefined) return;
  mkdirSync(first);
  rmdirSync(first);
}
