/**
 * Labels that producers choose become counter names, so each family is bounded by an allow-list
 * (configuration: METRIC_LANGUAGES, METRIC_REGIONS, METRIC_FUNCTION_NAMES). Any other value is
 * counted under `other`: totals stay exact and no item grows with what producers send. The
 * mapping depends on the value alone, never on arrival order, so the numbers stay exact against
 * the oracle.
 */
export const OVERFLOW_LABEL = 'other';
/** A conversation without a region is counted as `unknown` (SPEC §4), which is always allowed. */
export const NO_REGION = 'unknown';

export interface LabelPolicy {
  languages: ReadonlySet<string>;
  regions: ReadonlySet<string>;
  functionNames: ReadonlySet<string>;
}

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

export const labelPolicy = (lists: { languages: readonly string[]; regions: readonly string[]; functionNames: readonly string[] }): LabelPolicy => ({
  languages: new Set(lists.languages),
  regions: new Set(lists.regions),
  functionNames: new Set(lists.functionNames),
});

export const DEFAULT_LABEL_POLICY = labelPolicy(DEFAULT_LABEL_LISTS);

const bounded = (allowed: ReadonlySet<string>, value: string): string => (allowed.has(value) ? value : OVERFLOW_LABEL);

export const languageLabel = (policy: LabelPolicy, language: string | undefined): string => bounded(policy.languages, language ?? OVERFLOW_LABEL);
export const regionLabel = (policy: LabelPolicy, region: string | undefined): string => (region === undefined ? NO_REGION : bounded(policy.regions, region));
export const functionLabel = (policy: LabelPolicy, name: string): string => bounded(policy.functionNames, name);
