export interface SmartAttributes {
  reallocatedSectors: number | null;
  pendingSectors: number | null;
}

/**
 * Reads Reallocated_Sector_Ct and Current_Pending_Sector raw values from `smartctl -A` (the runbook's step 3).
 * A missing row is null: not every drive reports both.
 */
export function parseSmartctl(output: string): SmartAttributes {
  return { reallocatedSectors: rawValue(output, 'Reallocated_Sector_Ct'), pendingSectors: rawValue(output, 'Current_Pending_Sector') };
}

function rawValue(output: string, attribute: string): number | null {
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // ID# ATTRIBUTE_NAME FLAG VALUE WORST THRESH TYPE UPDATED WHEN_FAILED RAW_VALUE
    if (fields[1] === attribute && fields.length >= 10) {
      const raw = Number.parseInt(fields[9]!, 10);
      return Number.isFinite(raw) ? raw : null;
    }
  }
  return null;
}

/** `/proc/uptime`: "<seconds since boot> <idle seconds>". */
export function parseUptime(output: string): number | null {
  const seconds = Number.parseFloat(output.trim().split(/\s+/)[0] ?? '');
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}
