import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ShardCheckpoints } from '../kinesis-event-source';

/** How long a new checkpoint may wait before it is written: a lost one only means records delivered again, which changes nothing. */
const WRITE_DELAY_MS = 200;

/**
 * The Kinesis event source mappings' checkpoints, in one small JSON file, so that after a
 * restart each shard is read on from where its mapping stopped, as Lambda's mappings do, instead
 * of from the start of a stream kinesalite kept on disk. Written a little late on purpose:
 * redelivery is harmless (the store's watermarks apply each record once), a write per batch is not free.
 */
export class CheckpointFile {
  private readonly positions: Record<string, string>;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly path: string) {
    this.positions = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  }

  /** The checkpoints of one stream. */
  of(streamName: string): ShardCheckpoints {
    return {
      get: (shardId) => this.positions[`${streamName}/${shardId}`],
      set: (shardId, sequenceNumber) => {
        this.positions[`${streamName}/${shardId}`] = sequenceNumber;
        this.timer ??= setTimeout(() => this.flush(), WRITE_DELAY_MS).unref();
      },
    };
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(this.positions, null, 1)}\n`, { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
  }
}
