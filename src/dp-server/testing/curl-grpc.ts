/**
 * Test support: a gRPC call made by curl (an independent HTTP/2 peer), for what connect's client and
 * node:http2 refuse to send, such as a repeated `authorization` header.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toBinary, create, type MessageInitShape } from '@bufbuild/protobuf';
import { DiscoveryRequestSchema } from '../../gen/kuma/dp/v1/config_stream_pb.js';

const run = promisify(execFile);

export interface GrpcOutcome {
  /** Response headers and trailers as curl dumped them (lower-cased names). */
  fields: Map<string, string>;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
}

function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** Posts `requests` as one gRPC request body to the config stream with the given header lines. */
export async function curlStreamCall(
  dir: string,
  port: number,
  caFile: string,
  headerLines: string[],
  requests: MessageInitShape<typeof DiscoveryRequestSchema>[],
): Promise<GrpcOutcome> {
  const body = join(dir, `grpc-${Date.now()}-${Math.random().toString(16).slice(2)}.bin`);
  await writeFile(body, Buffer.concat(requests.map((r) => frame(toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, r))))));
  const args = ['-sS', '--http2', '--cacert', caFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers'];
  for (const h of headerLines) args.push('-H', h);
  args.push('--data-binary', `@${body}`, '-D', '-', '-o', '/dev/null', `https://localhost:${port}/kuma.dp.v1.ConfigService/Stream`);
  const { stdout } = await run('curl', args);
  const fields = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const msg = fields.get('grpc-message');
  return { fields, grpcStatus: fields.get('grpc-status'), grpcMessage: msg === undefined ? undefined : decodeURIComponent(msg) };
}
