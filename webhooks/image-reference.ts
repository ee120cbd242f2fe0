// Container image references, by the grammar of github.com/distribution/reference (regexp.go,
// reference.go). Only syntax is checked: no registry is contacted and "nginx" is not expanded to
// docker.io/library/nginx.

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|-+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6Address = '\\[[a-fA-F0-9:]+\\]';
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;

const NAME = new RegExp(`^(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** Registered algorithms (github.com/opencontainers/go-digest) fix the length and case of the hex. */
const REGISTERED_DIGESTS: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};
/** NameTotalLengthMax upstream. */
const NAME_MAX_LENGTH = 255;

export type ImageReference = { name: string; tag?: string; digest?: string };

function isValidDigest(digest: string): boolean {
  if (!DIGEST.test(digest)) return false;
  const colon = digest.indexOf(':');
  const registered = REGISTERED_DIGESTS[digest.slice(0, colon)];
  return registered === undefined || registered.test(digest.slice(colon + 1));
}

/**
 * Splits "registry:5000/team/app:1.2@sha256:<hex>" into name, tag and digest; undefined when the
 * reference does not follow the grammar (uppercase repository, spaces, empty tag, bad digest,
 * name longer than 255 characters). A ':' after the last '/' starts the tag; before it, a port.
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  const at = ref.indexOf('@');
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !isValidDigest(digest)) return undefined;
  const named = at === -1 ? ref : ref.slice(0, at);
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (name.length > NAME_MAX_LENGTH || !NAME.test(name)) return undefined;
  return {
    name,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}
