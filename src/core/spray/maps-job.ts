/** The maps of some images of a SpRAy job (a worker's piece of the folder): pure types, shared with the worker protocol. */
import type { MethodName, MethodParams } from '../explain/specs';

export interface SprayMapsJob {
  model: string;
  files: string[];
  /** The class index. */
  target: number;
  method: MethodName;
  grid: number;
  params?: Partial<MethodParams>;
  /** LRP's images per batch (default: sized to memory). */
  batchSize?: number;
}
