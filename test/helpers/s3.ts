import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

// s3rver runs in a child process: its continuation tokens use DES, which Node's OpenSSL 3
// offers only with the legacy provider (without it every truncated listing is a 500), and
// its logger installs process-wide exception handlers we keep out of the test process.
const S3RVER_SCRIPT = `
const [module, port, directory, bucket] = process.argv.slice(1);
const S3rver = require(module);
new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory,
  configureBuckets: [{ name: bucket }] })
  .run().then(() => process.stdout.write('ready\\n'), (error) => { console.error(error); process.exit(1); });
process.stdin.on('end', () => process.exit(0)); // the test process went away
process.stdin.resume();
`;

export type RecordedRequest = {
  method: string;
  /** The SDK's operation name from the `x-id` query parameter, else a name we infer. */
  operation: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Bodies up to 1 MiB are kept; bodyLength is always the real size. */
  body: Buffer;
  bodyLength: number;
  status: number;
};

export type FakeS3 = {
  /** The recording proxy in front of s3rver: point clients here. */
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver knows one access key; it does not check SigV4 signatures. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  requests: RecordedRequest[];
  /** Where s3rver keeps its files, for tests that damage an object behind its back. */
  directory: string;
  close(): Promise<void>;
};

/**
 * A real s3rver on loopback with bucket 'tessera-test', behind a proxy that records every
 * request: s3rver ignores SSE headers and refuses lifecycle rules, so tests check what the
 * client sent on the wire.
 */
export async function startFakeS3(): Promise<FakeS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'tessera-s3rver-'));
  const s3Port = await freePort();
  const bucket = 'tessera-test';
  const server = await startS3rver(s3Port, directory, bucket);
  const requests: RecordedRequest[] = [];
  const proxy = createRecordingProxy(s3Port, requests);
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requests,
    directory,
    async close() {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await stopChild(server);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function startS3rver(port: number, directory: string, bucket: string) {
  const module = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', S3RVER_SCRIPT, module, String(port), directory, bucket],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const said = await Promise.race([
    once(child.stdout, 'data').then(([data]) => String(data)),
    once(child, 'exit').then(([code]) => `exit code ${code}`),
  ]);
  if (said.startsWith('ready')) return child;
  await stopChild(child);
  throw new Error(`s3rver did not start: ${said}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function createRecordingProxy(upstreamPort: number, requests: RecordedRequest[]) {
  return createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    const method = incoming.method ?? 'GET';
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method,
        path: incoming.url,
        headers: incoming.headers,
        agent: false, // a connection per request, so s3rver closes without waiting
      },
      (answer) => {
        requests.push({
          method,
          operation: url.searchParams.get('x-id') ?? inferOperation(method, url),
          path: url.pathname,
          query: url.searchParams,
          headers: incoming.headers,
          body: body.length <= 1024 * 1024 ? body : Buffer.alloc(0),
          bodyLength: body.length,
          status: answer.statusCode ?? 0,
        });
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => outgoing.destroy(error));
    upstream.end(body);
  });
}

function inferOperation(method: string, url: URL): string {
  const query = url.searchParams;
  if (query.has('lifecycle')) {
    return method === 'PUT' ? 'PutBucketLifecycleConfiguration' : `${method} lifecycle`;
  }
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('uploadId')) return 'UploadPart';
  if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
  return `${method} ${url.pathname}`;
}
