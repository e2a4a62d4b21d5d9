// The text of a NACK's `error_detail.message`. Kuma puts free text there; kuma-ts keeps it readable
// AND lists each rejected resource on its own line, so the sender can resend exactly those after its
// backoff (instead of nothing, as Kuma does, or everything it sent).
//
//   3 MeshTrafficPermission resource(s) rejected:
//   - "allow-all-x1.default": spec.from[0].default.action: must be defined
//   - "other.default": mesh of name default is not found
//   - ...
//
// At most MAX_LISTED lines; when more were rejected the last line says `… and N more` and the sender
// treats the whole response as rejected.

export interface Rejection {
  /** The wire name `<name>.<mesh>` of the resource (what the sender knows it by). */
  name: string;
  reason: string;
}

const MAX_LISTED = 200;
const MAX_REASON = 500;
const LINE_RE = /^- ("(?:[^"\\]|\\.)*"): /;

function oneLine(s: string): string {
  const flat = s.replace(/\s*[\r\n]+\s*/g, ' ');
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat;
}

export function formatNackDetail(type: string, rejections: readonly Rejection[]): string {
  const lines = [`${rejections.length} ${type} resource(s) rejected:`];
  for (const r of rejections.slice(0, MAX_LISTED)) lines.push(`- ${JSON.stringify(r.name)}: ${oneLine(r.reason)}`);
  if (rejections.length > MAX_LISTED) lines.push(`… and ${rejections.length - MAX_LISTED} more`);
  return lines.join('\n');
}

/** The wire names a NACK lists, or undefined when it does not list them all (then: all of the response). */
export function rejectedNames(message: string): string[] | undefined {
  const lines = message.split('\n');
  if (lines.some((l) => l.startsWith('… and '))) return undefined;
  const names: string[] = [];
  for (const line of lines) {
    const m = LINE_RE.exec(line);
    if (!m?.[1]) continue;
    try {
      names.push(JSON.parse(m[1]) as string);
    } catch {
      return undefined;
    }
  }
  return names.length > 0 ? names : undefined;
}
