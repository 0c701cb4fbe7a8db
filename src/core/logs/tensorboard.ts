import { ScalarEventDecoder } from './event-decode';
import type { ChunkParser } from './parser';
import { seriesOf, type TagMap } from './series';
import { scanRecords, scanRemaining } from './tfrecord';

/** TensorBoard event files (`events.out.tfevents.*`): every scalar of every `Event`. */
export class EventParser implements ChunkParser {
  constructor(private readonly prefix = '') {}

  private readonly decoder = new ScalarEventDecoder();

  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number } {
    return this.scan(bytes, tags, scanRecords);
  }

  flush(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number; incomplete: number } {
    return this.scan(bytes, tags, scanRemaining);
  }

  private scan<R extends { consumed: number; corrupt: number }>(
    bytes: Uint8Array,
    tags: TagMap,
    scanner: (b: Uint8Array, on: (p: Uint8Array) => void) => R,
  ): R {
    let badProto = 0;
    const prefix = this.prefix;
    const add = (tag: string, step: number, wall: number, value: number): void => seriesOf(tags, prefix ? prefix + tag : tag).push(step, wall, value);
    const scan = scanner(bytes, (payload) => {
      try {
        this.decoder.decode(payload, add);
      } catch {
        badProto++;
      }
    });
    return { ...scan, corrupt: scan.corrupt + badProto };
  }

  reset(): void {}
}

export const isEventFile = (name: string): boolean => name.includes('tfevents');
