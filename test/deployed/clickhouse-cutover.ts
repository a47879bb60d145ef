// The first half of the demo's zero-downtime rebuild through the deployed functions, on the
// real clock: apply 0001-0002, spans arrive, apply 0003 (its cut-over is the next hour), live
// spans arrive after the cut-over. What follows runs with the clock pinned past the cut-over.
import { seedSpans } from '../../functions/cli/commands/demo-data.js';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { finalizeOf, startDeployedTarget } from './deployed-run.js';

const HOUR = 3_600_000;

export async function applyDemoToCutover(url: string, state: StateHandle, opts: { traces: number; liveTraces: number; days: number; prefix: string }): Promise<{ cutover: Date; networkUrl: string; logs: string[] }> {
  const deployed = await startDeployedTarget(url, state, { migrations: 'clickhouse' });
  try {
    const expectSucceeded = async (version: number) => {
      const result = await deployed.run({ action: 'apply', version }, `${opts.prefix}-apply-${version}`);
      if (result.status !== 'SUCCEEDED') throw new Error(`apply ${version}: ${JSON.stringify(finalizeOf(result) ?? result.error)}`);
    };
    await expectSucceeded(2);
    const seedEnd = new Date(Math.floor(Date.now() / HOUR) * HOUR);
    await withDriver(deployed.stack.networkUrl, (d) => seedSpans(d, new Date(seedEnd.getTime() - opts.days * 24 * HOUR), seedEnd, opts.traces));
    await expectSucceeded(3);
    const cutover = await withDriver(deployed.stack.networkUrl, async (d) => (await d.readTracking()).find((r) => r.version === 3)!.cutover!);
    await withDriver(deployed.stack.networkUrl, (d) => seedSpans(d, cutover, new Date(cutover.getTime() + 4 * 60_000), opts.liveTraces, opts.traces));
    return { cutover, networkUrl: deployed.stack.networkUrl, logs: deployed.logs };
  } finally {
    await deployed.close();
  }
}
