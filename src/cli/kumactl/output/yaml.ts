import { stringify } from 'yaml';

/**
 * YAML the way Kuma's CLI writes it (sigs.k8s.io/yaml over go-yaml v2): keys sorted, sequences not
 * indented under their key, YAML 1.1 quoting (so "0001-01-01T00:00:00Z", "on", "yes" stay strings).
 * Long strings are not folded (go-yaml folds at 80 columns; unfolded output is easier to copy).
 */
export function toGoYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0, schema: 'yaml-1.1' });
}
