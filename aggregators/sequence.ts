/**
 * Shard sequence numbers are decimal strings up to 56 digits (Kinesis), beyond DynamoDB's
 * 38-digit numbers. Zero-padded to one width they compare correctly as strings, which is how
 * the lane watermarks are stored and compared inside condition expressions.
 */
const WIDTH = 64;

export function padSequence(seq: string): string {
  if (!/^\d{1,64}$/.test(seq)) throw new RangeError(`not a sequence number: ${seq}`);
  return seq.padStart(WIDTH, '0');
}

/** A watermark value: the padded sequence, then `@` and when it was written (for pruning). */
export const watermarkValue = (paddedSeq: string, writtenAtSeconds: number): string => `${paddedSeq}@${writtenAtSeconds}`;

export const sequenceOfWatermark = (value: string): string => value.split('@')[0] ?? '';

/** Orders raw sequence numbers numerically (they are longer than a double can hold). */
export const compareSequences = (a: string, b: string): number => {
  const x = padSequence(a);
  const y = padSequence(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
