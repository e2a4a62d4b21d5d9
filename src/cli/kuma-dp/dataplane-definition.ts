/**
 * `kuma-dp run --dataplane-file/--dataplane -v k=v`: the template is rendered with the same mustache
 * renderer as `kumactl apply --var` (Kuma renders both with hoisie/mustache: `{{ v }}` HTML-escaped,
 * `{{{ v }}}` raw, sections, dotted names; partials refused), then parsed by the agent.
 */
import { loadDataplaneDefinition, type DataplaneDefinition } from '../../proxy/agent/dataplane-template.js';
import { renderTemplate } from '../../core/template/mustache.js';

export function loadKumaDpDefinition(file: string, inline: string, vars: Readonly<Record<string, string>>): Promise<DataplaneDefinition | undefined> {
  return loadDataplaneDefinition(file, inline, vars, renderTemplate);
}
