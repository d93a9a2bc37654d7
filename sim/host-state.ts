import { join } from 'node:path';
import { writeAtomic, type HostPaths } from './host-dir';
import { renderDf, renderDmesg, renderSmartAll, renderSmartAttributes } from './host-tools';
import { createRng } from './rng';
import type { FaultScenario } from './scenarios';

/** Default uptime of a simulated host: about ten days since the last boot. */
export const DEFAULT_UPTIME_SECONDS = 10 * 86_400 + 3_723;

/** `/proc/uptime`: seconds since boot and aggregate idle seconds (two cores, mostly idle). */
export function writeUptime(p: HostPaths, uptimeSeconds: number): void {
  writeAtomic(p.uptimeFile, `${uptimeSeconds.toFixed(2)} ${(uptimeSeconds * 2 * 0.93).toFixed(2)}\n`);
}

/** Rewrites what the dmesg and smartctl stand-ins print, for the node's current faults. */
export function writeToolState(
  p: HostPaths,
  name: string,
  faults: readonly FaultScenario[],
  uptimeSeconds: number,
  fullBy: 'space' | 'inodes' = 'space',
): void {
  const failing = faults.includes('disk_hardware');
  const df = renderDf({ mountpoint: p.dataDir, full: faults.includes('disk_full') ? fullBy : null });
  writeAtomic(join(p.stateDir, 'df.txt'), df.space);
  writeAtomic(join(p.stateDir, 'df-inodes.txt'), df.inodes);
  const powerOnHours = 31_204 + Math.floor(uptimeSeconds / 3600);
  writeAtomic(join(p.stateDir, 'dmesg.txt'), renderDmesg({ uptimeSeconds, diskErrors: failing, rng: createRng(`${name}/dmesg`) }));
  writeAtomic(join(p.stateDir, 'smartctl-attributes.txt'), renderSmartAttributes(failing, powerOnHours));
  writeAtomic(join(p.stateDir, 'smartctl-all.txt'), renderSmartAll(failing, powerOnHours));
}
