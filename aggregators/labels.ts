/**
 * Labels that producers choose become counter names, so each family is bounded by an allow-list
 * (configuration: METRIC_LANGUAGES, METRIC_REGIONS, METRIC_FUNCTION_NAMES). Any other value is
 * counted under `other`: totals stay exact and no item grows with what producers send. The
 * mapping depends on the value alone, never on arrival order, so the numbers stay exact against
 * the oracle.
 */
import { DEFAULT_LABEL_LISTS, NO_REGION, OVERFLOW_LABEL } from '../config/label-lists';

export { NO_REGION, OVERFLOW_LABEL };

export interface LabelPolicy {
  languages: ReadonlySet<string>;
  regions: ReadonlySet<string>;
  functionNames: ReadonlySet<string>;
}

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
