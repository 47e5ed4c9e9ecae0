/** bench/results.md: issue 9's figures against their targets, the baselines beside them, and the breakdowns behind them. */
import type { ItemCost } from './harness';
import type { QuietWindow } from './quiet-bench';
import type { BenchResults } from './run';
import { TARGETS, type TargetKey } from './targets';

const n = (value: number): string => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: value >= 100 ? 0 : 3 }) : 'n/a');
const ms = (value: number): string => `${n(value)} ms`;
const pct = (share: number): string => `${share < 0.01 ? (share * 100).toFixed(1) : Math.round(share * 100)} %`;
const times = (ratio: number): string => `${ratio >= 10 ? Math.round(ratio).toLocaleString('en-US') : ratio.toFixed(1)}×`;
const label = (size: number): string => (size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`);
const list = (record: Record<string, number>, unit = ''): string =>
  Object.entries(record)
    .map(([k, v]) => `${k} ${n(v)}${unit}`)
    .join(', ');
const areas = (profile: { areas: Record<string, number> }, count = 5): string =>
  Object.entries(profile.areas)
    .slice(0, count)
    .map(([area, share]) => `${area} ${pct(share)}`)
    .join(', ');
const verdict = (met: boolean | null): string => (met === null ? '' : met ? 'met' : '**missed**');

/** What each target figure is set against, measured in the same run. */
const BASELINES: Record<TargetKey, (r: BenchResults) => string> = {
  quietLateDayWcuPerEvent: (r) => `naive counters on the same events: ${n(r.naiveQuietLateDayWcuPerEvent)}`,
  quietEarlyDayWcuPerEvent: (r) => `naive counters on the same events: ${n(r.naiveQuietEarlyDayWcuPerEvent)}`,
  wcuPerEventBatch100: (r) => `naive counters: ${n(r.naiveWcuPerEvent)} (${times(r.naiveWcuPerEvent / r.wcuPerEventBatch100)})`,
  wcuPerEventBatch1000: (r) => `naive counters: ${n(r.naiveWcuPerEvent)}`,
  naiveToBatch1000WcuRatio: (r) => `per-record idempotency ÷ batch 1000: ${times(r.idempotentWcuPerEvent / r.wcuPerEventBatch1000)}`,
  e2eEventsPerSecBatch100: (r) => `naive counters: ${n(r.naiveEventsPerSec)}`,
  e2eEventsPerSec: (r) => `naive counters: ${n(r.naiveEventsPerSec)}`,
  foldEventsPerSec: () => '—',
  readP95MsLateDay1M: (r) =>
    `Scan + compute: ${ms(r.scanReadP95MsLateDay1M)} (${times(r.scanToDesignReadP95Ratio)}); the same requests alone, nothing decoded: ${ms(r.readBareRequestP95MsLateDay1M)}`,
  readUnitsPerRead: (r) => {
    const largest = r.details.read.sizes[r.details.read.sizes.length - 1]!;
    return `Scan: ${n(largest.scanReadUnitsPerRead)}`;
  },
  readRequestsPerRead: (r) => `Scan: ${r.details.read.sizes.map((s) => `${n(s.scanRequestsPerRead)} at ${label(s.events)}`).join(', ')}`,
  freshnessP95Ms: () => '—',
  naiveWcuPerEvent: (r) => `per-record idempotency: ${n(r.idempotentWcuPerEvent)}`,
};

function quietTable(late: QuietWindow, early: QuietWindow): string[] {
  const kinds = [...new Set([...Object.keys(late.byItem), ...Object.keys(early.byItem)])];
  const cells = (cost: ItemCost | undefined) =>
    cost
      ? `${n(cost.writesPerEvent)} | ${n(cost.wcuPerWrite)} | ${n(cost.wcuPerEvent)}${cost.refusedPerEvent > 0 ? ` (${n(cost.refusedPerEvent)} refused)` : ''}`
      : '— | — | —';
  return [
    '| item (key prefix) | writes / event at 23:55 | WCU / write | WCU / event | writes / event at 00:55 | WCU / write | WCU / event |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...kinds.map((kind) => `| ${kind} | ${cells(late.byItem[kind])} | ${cells(early.byItem[kind])} |`),
    `| **all** | ${n(late.writeRequestsPerEvent)} | ${n(late.wcuPerEvent / late.writeRequestsPerEvent)} | **${n(late.wcuPerEvent)}** | ${n(early.writeRequestsPerEvent)} | ${n(early.wcuPerEvent / early.writeRequestsPerEvent)} | **${n(early.wcuPerEvent)}** |`,
  ];
}

export function renderMarkdown(r: BenchResults): string {
  const d = r.details;
  const quiet = d.quiet;
  const batches = d.writes.e2e.batches;
  const sizes = d.read.sizes;
  const largestBatch = batches[batches.length - 1]!;
  const lines = [
    '# Clara Pulse benchmark results',
    '',
    `\`npm run bench${r.quick ? ' -- --quick' : ''}\` (seed ${r.seed}) on ${r.machine.cpus} × ${r.machine.cpuModel.trim()}, ${r.machine.memoryGb} GiB, Node ${r.machine.node}; ` +
      `${r.ranAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(r.durationSeconds / 60)} min${r.quick ? ' (quick: smaller runs and histories, see the notes)' : ''}. ` +
      'Every baseline ran in the same process, on the same engine. Machines like this are noisy: read ratios, not absolute numbers.',
    '',
    "## Issue 9's targets",
    '',
    '| key | figure | target | Clara Pulse | baseline, same run | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...TARGETS.map(
      (t) => `| \`${t.key}\` | ${t.figure} | ${r.verdicts[t.key].target} | ${n(r[t.key])} | ${BASELINES[t.key](r)} | ${verdict(r.verdicts[t.key].met)} |`,
    ),
    '',
    '## The quiet regime: a busy ADA Clara hour, batch 3',
    '',
    `${n(quiet.historyHours)} h of the standard mix at 9,600 events/h (${n(quiet.historyEvents)} events with the hour after midnight) folded at batch ${quiet.setupBatchSize} on ` +
      `${quiet.telemetryShards} + ${quiet.pulseShards} shards without metering; metered: ${quiet.late.events} events ${quiet.late.startsAt.slice(11, 19)}–${quiet.late.endsAt.slice(11, 19)} ` +
      `and ${quiet.early.events} events ${quiet.early.startsAt.slice(11, 19)}–${quiet.early.endsAt.slice(11, 19)}, batch ${quiet.late.batchSize}. ` +
      "Writes, WCU per write (the item's billed size) and WCU per event by kind of item; a refused conditional write is billed 1 WCU and counted in both.",
    '',
    ...quietTable(quiet.late, quiet.early),
    '',
    `Per event at 23:55 / 00:55: ${n(quiet.late.invocationsPerEvent)} / ${n(quiet.early.invocationsPerEvent)} invocations, ` +
      `${n(quiet.late.readRequestsPerEvent)} / ${n(quiet.early.readRequestsPerEvent)} read requests (${n(quiet.late.rcuPerEvent)} / ${n(quiet.early.rcuPerEvent)} RCU). ` +
      `Naive counters on the same events: ${n(quiet.late.naive.writeRequestsPerEvent)} / ${n(quiet.early.naive.writeRequestsPerEvent)} writes, ${n(quiet.late.naive.wcuPerEvent)} / ${n(quiet.early.naive.wcuPerEvent)} WCU per event.`,
    '',
    '## Write cost and throughput at 10,000 events/s, sustained',
    '',
    `One lane's share (${n(d.sustained.eventsPerSecond)} events/s on one pulse-events shard) after ${d.sustained.warmMinutes} min of it, metered ${d.sustained.meteredMinutes} min per batch size; ` +
      `the escalation items every lane shares also hold ${n(d.sustained.otherLanes)} other lanes' escalations (${n(d.sustained.otherLaneEvents)} events on lanes of their own, not metered). ` +
      "These are the targets' figures. States reach their items as their entities fall quiet (J: the journal, K: its compaction point).",
    '',
    '| batch | end to end, events/s | write requests / event | WCU / event | naive counters: WCU / event | naive ÷ Clara Pulse (WCU) | RCU / event | WCU / event by item (WCU / write) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...d.sustained.runs.map(
      (b) =>
        `| ${b.batchSize}${b.batchSize === 100 ? ' (deployed)' : ''} | ${n(b.eventsPerSec)} | ${n(b.writeRequestsPerEvent)} | ${n(b.writeUnitsPerEvent)} | ${n(r.naiveWcuPerEvent)} | ${times(r.naiveWcuPerEvent / b.writeUnitsPerEvent)} | ${n(b.readUnitsPerEvent)} | ` +
        Object.entries(b.byItem)
          .map(([k, v]) => `${k} ${n(v.wcuPerEvent)} (${n(v.wcuPerWrite)})`)
          .join(', ') +
        ' |',
    ),
    '',
    `- A process that holds none of the lane's journaled states (a cold start, or another container) reads ${n(d.sustained.recovery.journalEntries)} journal entries ` +
      `(${n(d.sustained.recovery.states)} states, ${n(d.sustained.recovery.readUnits)} RCU) in ${ms(d.sustained.recovery.ms)} at its first batch.`,
    '',
    '### The first 1.5 s on an empty table',
    '',
    "The same rate on 8 pulse-events shards, from a fresh table: every conversation is a first sight, and none is quiet yet, so nothing is compacted. Not the targets' regime.",
    '',
    '| batch | end to end, events/s | write requests / event | WCU / event | naive counters: WCU / event | naive ÷ Clara Pulse (WCU) | RCU / event | invocations / 1k events |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...batches.map(
      (b) =>
        `| ${b.batchSize}${b.batchSize === 100 ? ' (deployed)' : ''} | ${n(b.eventsPerSec)} | ${n(b.writeRequestsPerEvent)} | ${n(b.writeUnitsPerEvent)} | ${n(r.naiveWcuPerEvent)} | ${times(r.naiveWcuPerEvent / b.writeUnitsPerEvent)} | ${n(b.readUnitsPerEvent)} | ${n(b.invocationsPerKiloEvent)} |`,
    ),
    '',
    `- Per-record idempotency (a conditional put per event, then the naive counters): ${n(r.idempotentWriteRequestsPerEvent)} writes, ${n(r.idempotentWcuPerEvent)} WCU per event. ` +
      `Naive counters: ${n(r.naiveWriteRequestsPerEvent)} writes per event (${n(d.writes.naive.perEventItemWriteRequestsPerEvent)} if each event merged its counters per item).`,
    `- WCU per event by item at batch ${largestBatch.batchSize}: ${list(Object.fromEntries(Object.entries(largestBatch.byItem).map(([k, v]) => [k, v.wcuPerEvent])))}; ` +
      `WCU per write: ${list(Object.fromEntries(Object.entries(largestBatch.byItem).map(([k, v]) => [k, v.wcuPerWrite])))}.`,
    `- At batch ${largestBatch.batchSize} the functions' process used ${n(largestBatch.functionsCpuShare)} core(s), dynalite ${n(largestBatch.engineCpuShare)}; ` +
      `${ms(largestBatch.functionsCpuMsPerRequest)} of the functions' CPU per DynamoDB request. CPU profile of the functions (self time): ${areas(d.writes.e2e.profile, 6)}.`,
    `- Why conversation items are written (the lanes' fold of the same events, on the ${d.writes.pulseShards} lanes the bench's stream puts them on), entity writes per event: ` +
      Object.entries(d.writes.writeCauses)
        .map(
          ([batch, c]) =>
            `batch ${batch}: first sight ${n(c.firstSight)}, counters move ${n(c.conversationChange)}, message only ${n(c.messageOnly)}, escalation changed ${n(c.escalation)}`,
        )
        .join('; ') +
      '. Each is a distinct item, and an item write costs at least 1 WCU.',
    `- One PutItem of a conversation, ${d.writes.requestCost.concurrency} at a time: ${ms(d.writes.requestCost.sdkCpuMs)} of CPU through the AWS SDK, ${ms(d.writes.requestCost.bareHttpCpuMs)} as a bare HTTP POST of the same body ` +
      `(${times(d.writes.requestCost.sdkCpuMs / d.writes.requestCost.bareHttpCpuMs)}); dynalite ${ms(d.writes.requestCost.sdkEngineCpuMs)} / ${ms(d.writes.requestCost.bareHttpEngineCpuMs)}.`,
    `- Mix at 10,000 events/s: ${Object.entries(d.writes.mix)
      .map(([type, share]) => `${type} ${pct(share)}`)
      .join(', ')}.`,
    '',
    `## Reads at ${d.read.atIso.slice(11, 16)}`,
    '',
    '| history | hours | p50 | p95 | RCU / read | requests / read | cold reader p50 / p95, RCU, requests | its requests alone p50 / p95 | largest item fetched | Scan + compute p50 / p95 | Scan RCU | Scan ÷ Clara Pulse (p95) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sizes.map(
      (s) =>
        `| ${label(s.events)} | ${n(s.historyHours)} | ${ms(s.readP50Ms)} | ${ms(s.readP95Ms)} | ${n(s.readUnitsPerRead)} | ${n(s.readRequestsPerRead)} | ${ms(s.coldReadP50Ms)} / ${ms(s.coldReadP95Ms)}, ${n(s.coldReadUnitsPerRead)}, ${n(s.coldReadRequestsPerRead)} | ${ms(s.bareRequestP50Ms)} / ${ms(s.bareRequestP95Ms)} | ${s.largestItem.key} (${n(s.largestItem.kb)} KB) | ` +
        `${ms(s.scanReadP50Ms)} / ${ms(s.scanReadP95Ms)} (${s.scans} scans) | ${n(s.scanReadUnitsPerRead)} | ${times(s.scanReadP95Ms / s.readP95Ms)} |`,
    ),
    '',
    `- ${d.read.reads} reads per history. On the largest: ${n(d.read.fetched.items)} items fetched (${n(d.read.fetched.kb)} KB as JSON, ${n(d.read.fetched.attributes)} attributes); ` +
      `in the store's calls (fetching, and decoding into a snapshot) ${ms(d.read.fetchP50Ms)} p50, building the document ${ms(d.read.buildP50Ms)} p50; dynalite spends ${ms(d.read.engineCpuMsPerRead)} of CPU per read.`,
    `- KB fetched by kind of item: ${list(d.read.fetchedKbByItem)}; by attribute prefix: ${list(d.read.fetchedKbByAttribute)}. ` +
      `Largest items: ${d.read.largestItems.map((item) => `${item.key} ${n(item.kb)} KB`).join(', ')}.`,
    `- CPU profile of the reading process (self time): ${areas(d.read.profile, 5)}.`,
    `- Design and Scan baseline agree on every number both compute${sizes.some((s) => s.disagreements.length > 0) ? ` EXCEPT: ${sizes.flatMap((s) => s.disagreements.map((x) => `${label(s.events)} ${x}`)).join('; ')}` : ''}.`,
    '',
    '## Fold, freshness, memory',
    '',
    `- **Fold** of whole conversations (${n(d.fold.fold.events)} events, batch 100): ${n(r.foldEventsPerSec)} events/s; young conversations (${n(d.fold.youngFold.events)} events at 10,000 events/s, batch 1000): ${n(r.foldYoungEventsPerSec)} events/s. ` +
      `Validation alone ${n(d.fold.fold.validateOnlyPerSec)} events/s, fold alone ${n(d.fold.fold.foldOnlyPerSec)} events/s. ` +
      `Time: validate ${pct(d.fold.fold.stageShares.validateMs)}, entity fold ${pct(d.fold.fold.stageShares.entityFoldMs)}, telemetry fold ${pct(d.fold.fold.stageShares.telemetryFoldMs)}, user-share fold ${pct(d.fold.fold.stageShares.shareFoldMs)}. ` +
      `CPU profile (self time): ${areas(d.fold.fold.profile)}. Counters in a conversation's contributions: ${n(d.fold.fold.countersPerConversation)} on average.`,
    `- **Freshness** by transport (p50 / p95): ${Object.entries(d.freshness.byTransport)
      .map(([t, v]) => `${t} ${ms(v.p50Ms)} / ${ms(v.p95Ms)}`)
      .join(', ')}; one read through the API takes ${ms(d.freshness.readP50Ms)}. ` +
      'The local pollers are woken by each put; on AWS, Lambda polls a shard about once a second and the batching window adds up to 1 s.',
    `- **Memory** (batch 1000, ${n(d.memory.events)} events, a process of its own): fold ${n(r.foldPeakRssMb)} MB peak (${n(d.memory.fold.peakBeforeMb)} MB before the work), ` +
      `handlers ${n(r.handlerPeakRssMb)} MB peak (${n(d.memory.handler.peakBeforeMb)} MB before).`,
    '',
    '## Notes',
    '',
    ...r.notes.map((note) => `- ${note}`),
    '',
    'The numbers are in `bench/results.json`; the cost model built on them is `docs/cost-model.md`.',
    '',
  ];
  return alignTables(lines).join('\n');
}

/** Pads every table's cells to their column's width, as the formatter (biome) lays tables out. */
function alignTables(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!lines[i]!.startsWith('|')) {
      out.push(lines[i++]!);
      continue;
    }
    const rows: string[][] = [];
    while (i < lines.length && lines[i]!.startsWith('|'))
      rows.push(
        lines[i++]!.slice(1, -1)
          .split(' | ')
          .map((cell) => cell.trim()),
      );
    const widths = rows[0]!.map((_, column) => Math.max(3, ...rows.filter((_, r) => r !== 1).map((row) => [...(row[column] ?? '')].length)));
    for (const [r, row] of rows.entries()) {
      const cells = widths.map((width, column) => (r === 1 ? '-'.repeat(width) : (row[column] ?? '') + ' '.repeat(width - [...(row[column] ?? '')].length)));
      out.push(`| ${cells.join(' | ')} |`);
    }
  }
  return out;
}
