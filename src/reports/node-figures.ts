import { z } from 'zod';

/** One node's figures for the runbook's weekly LSM check; null = not available, with the reason in `unavailable`. */
export const nodeFiguresSchema = z.object({
  node: z.string(),
  sstFiles: z.number().nullable(),
  totalBytes: z.number().nullable(),
  pendingBytes: z.number().nullable(),
  writeAmplification: z.number().nullable(),
  diskFreeFraction: z.number().nullable(),
  unavailable: z.array(z.string()),
});

export type NodeFigures = z.output<typeof nodeFiguresSchema>;
