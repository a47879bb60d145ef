// Set-up chores of the whole-process ClickHouse bench, each in its own process (chdb binds a
// data directory to one process, so the bench's parent never opens it):
//   seed <dir> <fromISO> <toISO> <traces>   the demo's spans, generated inside ClickHouse
//   empty <dir> <table>                     TRUNCATE, so the next measurement starts from empty
//   count <dir> <table>                     prints the table's row count
// Not timed: the timed processes are `hourglass backfill` and one-statement.mjs.
import { seedSpans } from '../../functions/cli/commands/demo-data.js';
import { openDriver } from '../../functions/engine/open-target.js';
import { parseTargetUrl } from '../../functions/engine/target-url.js';

const [task, dir, ...args] = process.argv.slice(2);
const TABLE = /^[a-z_]+$/;
const driver = await openDriver(parseTargetUrl(`chdb:${dir}`));
try {
  if (task === 'seed') await seedSpans(driver, new Date(args[0]!), new Date(args[1]!), Number(args[2]));
  else if (task === 'empty' && TABLE.test(args[0] ?? '')) await driver.exec(`TRUNCATE TABLE ${args[0]}`);
  else if (task === 'count' && TABLE.test(args[0] ?? '')) process.stdout.write(`${Object.values((await driver.query(`SELECT count() AS n FROM ${args[0]}`))[0] ?? {})[0]}\n`);
  else throw new Error(`usage: chdb-task seed|empty|count <dir> …`);
} catch (error) {
  await driver.close();
  throw error;
}
// Done: what it wrote is committed (MergeTree parts are written before the statement returns).
// Exit without tearing the engine down, which now and then dies of a signal after the work is done.
process.exit(0);
