/**
 * The labels that get counters of their own (configuration: METRIC_LANGUAGES, METRIC_REGIONS,
 * METRIC_FUNCTION_NAMES override these). Every other value a producer sends is counted as
 * `other`, so no family of labels can grow an item without bound (aggregators/labels.ts).
 */
export const OVERFLOW_LABEL = 'other';
/** A conversation without a region is counted as `unknown` (SPEC §4), which is always allowed. */
export const NO_REGION = 'unknown';

const US_REGIONS = [
  ...'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC'.split(
    ' ',
  ),
  ...'PR GU VI AS MP'.split(' '),
];

/** Defaults: ADA Clara's languages, the US states and territories (as `US-XX` and, for territories, bare), and its functions. */
export const DEFAULT_LABEL_LISTS = {
  languages: ['en', 'es', 'zh', 'vi', 'tl', 'ar', 'fr', 'ko', 'ru', 'ht', 'pt', 'de', 'ja', 'hi', 'pl', 'it'],
  regions: [...US_REGIONS.map((code) => `US-${code}`), 'PR', 'GU', 'VI', 'AS', 'MP'],
  functionNames: [
    'ada-clara-chat-processor',
    'ada-clara-rag-query',
    'ada-clara-escalation-handler',
    'ada-clara-chat',
    'ada-clara-escalation',
    'ada-clara-ingest',
  ],
} as const;
