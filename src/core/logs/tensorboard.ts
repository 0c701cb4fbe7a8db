import { EventType, scalarOf, toNumber, type EventLike } from './event-proto';
import type { ChunkParser } from './parser';
import { seriesOf, type TagMap } from './series';
import { scanRecords } from './tfrecord';

/** TensorBoard event files (`events.out.tfevents.*`): every scalar of every `Event`. */
export class EventParser implements ChunkParser {
  constructor(private readonly prefix = '') {}

  parse(bytes: Uint8Array, tags: TagMap): { consumed: number; corrupt: number } {
    let badProto = 0;
    const scan = scanRecords(bytes, (payload) => {
      let e: EventLike;
      try {
        e = EventType.decode(payload) as unknown as EventLike;
      } catch {
        badProto++;
        return;
      }
      const values = e.summary?.value;
      if (!values) return;
      const step = toNumber(e.step);
      const wall = e.wallTime ?? NaN;
      for (const v of values) {
        const x = scalarOf(v);
        if (x !== undefined && v.tag) seriesOf(tags, this.prefix + v.tag).push(step, wall, x);
      }
    });
    return { consumed: scan.consumed, corrupt: scan.corrupt + badProto };
  }

  reset(): void {}
}

export const isEventFile = (name: string): boolean => name.includes('tfevents');
