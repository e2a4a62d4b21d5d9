/** Test support: /bootstrap over HTTP/1.1 (node:https), HTTP/2 (node:http2) and curl. */
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RequestSpec {
  port: number;
  ca: string;
  method?: string;
  path?: string;
  /** Host header / :authority; default `localhost:<port>`. */
  host?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export function http1(spec: RequestSpec): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: spec.port,
        servername: 'localhost',
        ca: spec.ca,
        method: spec.method ?? 'POST',
        path: spec.path ?? '/bootstrap',
        headers: { host: spec.host ?? `localhost:${spec.port}`, 'content-type': 'application/json', accept: 'application/json', ...spec.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

export function http2(spec: RequestSpec): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://localhost:${spec.port}`, { ca: spec.ca });
    session.on('error', reject);
    const req = session.request({
      ':method': spec.method ?? 'POST',
      ':path': spec.path ?? '/bootstrap',
      ':authority': spec.host ?? `localhost:${spec.port}`,
      'content-type': 'application/json',
      ...spec.headers,
    });
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status']);
      headers = h as Record<string, string | string[] | undefined>;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
    });
    req.end(spec.body);
  });
}

/** curl as an independent client: returns status and body. */
export async function curlBootstrap(port: number, caFile: string, body: string, extra: string[] = []): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--cacert', caFile, '-H', 'content-type: application/json', '-H', 'accept: application/json', '--data-binary', body, '-w', '\n%{http_code}', ...extra, `https://localhost:${port}/bootstrap`]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}
