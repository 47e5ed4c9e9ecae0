import { PRODUCER_TABLES, type ProducerTable } from '../schemas/producer-items';

interface TableProgress {
  read: number;
  /** DynamoDB's own (approximate) item count, when known. */
  estimated: number | undefined;
  segmentsLeft: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * What a run over the producer tables has done so far, and the line that says so on stderr:
 * items per second, each table's items (done once all its segments are), and an ETA from
 * DynamoDB's item counts.
 */
export class ScanProgress {
  private readonly tables: Record<ProducerTable, TableProgress>;

  constructor(
    private readonly startedAt: number,
    segmentsPerTable: Record<ProducerTable, number>,
    estimates: Partial<Record<ProducerTable, number | undefined>> = {},
  ) {
    this.tables = Object.fromEntries(
      // A count of 0 is what AWS shows before its first refresh (and dynalite always): unknown, not empty.
      PRODUCER_TABLES.map((table) => [table, { read: 0, estimated: estimates[table] || undefined, segmentsLeft: segmentsPerTable[table] }]),
    ) as Record<ProducerTable, TableProgress>;
  }

  read(table: ProducerTable, items: number): void {
    this.tables[table].read += items;
  }

  segmentDone(table: ProducerTable): void {
    this.tables[table].segmentsLeft--;
  }

  get itemsRead(): number {
    return PRODUCER_TABLES.reduce((total, table) => total + this.tables[table].read, 0);
  }

  line(what: string, nowMs: number): string {
    const seconds = Math.max(0.001, (nowMs - this.startedAt) / 1000);
    const perSecond = this.itemsRead / seconds;
    const tables = PRODUCER_TABLES.map((table) => {
      const t = this.tables[table];
      const of = t.estimated === undefined ? '' : `/~${count(t.estimated)}`;
      return `${table} ${count(t.read)}${of}${t.segmentsLeft <= 0 ? ' done' : ''}`;
    });
    return `${what} ${seconds.toFixed(1)} s: ${count(this.itemsRead)} items, ${count(perSecond)} items/s | ${tables.join(' | ')} | ETA ${this.eta(perSecond)}`;
  }

  /** Seconds left at the current rate, from the tables still being read; unknown without item counts. */
  private eta(perSecond: number): string {
    const open = PRODUCER_TABLES.map((table) => this.tables[table]).filter((t) => t.segmentsLeft > 0);
    if (open.length === 0) return '0 s';
    if (open.some((t) => t.estimated === undefined) || perSecond <= 0) return 'unknown';
    const left = open.reduce((total, t) => total + Math.max(0, t.estimated! - t.read), 0);
    return `${Math.ceil(left / perSecond)} s`;
  }
}
