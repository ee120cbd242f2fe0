// The webhooks of a running Shipshape server: each AdmissionReview (dryRun: true) is POSTed over
// HTTPS as the apiserver POSTs it, to URL + /mutate-webapps and URL + /validate-webapps. The server
// applies its own configuration and its cached annotations of the request's Namespace.
import { request } from 'node:https';
import { MUTATE_PATH } from '../constants.ts';
import { CliError } from './cli-error.ts';
import { type CallWebhook, type Review, type ReviewTarget, review } from './review.ts';

export type ServerOptions = {
  /** https://host:port of the server, without the webhook path. */
  url: string;
  /** PEM bundle to trust instead of the system's certificate authorities. */
  ca?: string;
  /** The name the certificate must hold when it is not the URL's host (through a port-forward). */
  servername?: string;
  /** Per request; the apiserver's own limit (timeoutSeconds) is 5 s. */
  timeoutMs?: number;
};

function post(url: string, body: string, options: ServerOptions): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        ...(options.ca !== undefined && { ca: options.ca }),
        ...(options.servername !== undefined && { servername: options.servername }),
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function createRemoteWebhooks(options: ServerOptions): CallWebhook {
  const base = options.url.replace(/\/+$/, '');
  return async (path, body) => {
    const url = `${base}${path}`;
    let answer;
    try {
      answer = await post(url, JSON.stringify(body), options);
    } catch (cause) {
      const hint =
        path === MUTATE_PATH && /certificate/i.test(String(cause))
          ? ' (is --ca the CA that signed its certificate?)'
          : '';
      throw new CliError('CLI_SERVER', `cannot POST to ${url}: ${(cause as Error).message}${hint}`, { cause });
    }
    if (answer.status !== 200) {
      throw new CliError('CLI_SERVER', `${url} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    }
    try {
      return JSON.parse(answer.text);
    } catch (cause) {
      throw new CliError('CLI_SERVER', `${url} answered with something other than JSON`, { cause });
    }
  };
}

/** Reviews `target` with the webhooks of the server at `options.url`. Throws CliError if it cannot. */
export function reviewOnServer(target: ReviewTarget, options: ServerOptions): Promise<Review> {
  return review(target, createRemoteWebhooks(options));
}
