// Kuma's yaml.SplitYAML: documents separated by `---` lines; a document that is a single comment line
// is dropped; empty documents are dropped (so `resource[i]` counts only real documents).

const SEPARATOR = /(?:^|\s*\n)---\s*/;
const LONE_COMMENT = /^#.*$/;

export function splitYamlDocuments(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.trim().split(SEPARATOR)) {
    const doc = raw.replace(LONE_COMMENT, '');
    if (doc === '') continue;
    out.push(doc.trim());
  }
  return out;
}
