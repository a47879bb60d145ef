// The registry reachable here serves only the linux-x64 builds of packages that ship
// per-platform optional binaries, so `npm install` writes a lock file without the other
// platforms' entries and `npm ci` then refuses it as out of sync. This adds a metadata-only
// entry (os/cpu from the package name) for every optional dependency the lock lacks;
// npm ci skips them on platforms they do not match. Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = { darwin: 'darwin', linux: 'linux', win32: 'win32', windows: 'win32', android: 'android', freebsd: 'freebsd', openbsd: 'openbsd', netbsd: 'netbsd', sunos: 'sunos', aix: 'aix', openharmony: 'openharmony', cygwin: 'cygwin' };
const CPU = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    if (lock.packages[`${base}node_modules/${name}`] || lock.packages[`node_modules/${name}`]) continue;
    const tokens = name.toLowerCase().split(/[-/@_.]/);
    const os = tokens.map((t) => OS[t]).filter(Boolean);
    const cpu = CPU.filter((c) => tokens.includes(c));
    const stub = { version: String(version).replace(/^[\^~]/, ''), optional: true };
    if (cpu.length) stub.cpu = cpu;
    stub.os = os.length ? os : ['none'];
    lock.packages[`node_modules/${name}`] = stub;
    added++;
  }
}
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} platform entries`);
