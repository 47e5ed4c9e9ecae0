import { createKinesisIngest } from '../functions/kinesis-ingest';
import { kinesisEntry } from './kinesis-entry';

export const handler = kinesisEntry(createKinesisIngest);
