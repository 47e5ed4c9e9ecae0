/**
 * Shard sequence numbers are decimal strings up to 56 digits (Kinesis), longer than a double
 * holds. Zero-padded to one width they compare correctly as strings: how an entity records the
 * last record of its lane it holds (`appliedSeq`). The counter items' watermarks are the store's
 * own format (store/layout.ts).
 */
const WIDTH = 64;

export function padSequence(seq: string): string {
  if (!/^\d{1,64}$/.test(seq)) throw new RangeError(`not a sequence number: ${seq}`);
  return seq.padStart(WIDTH, '0');
}

/** Orders raw sequence numbers numerically (they are longer than a double can hold). */
export const compareSequences = (a: string, b: string): number => {
  const x = padSequence(a);
  const y = padSequence(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
