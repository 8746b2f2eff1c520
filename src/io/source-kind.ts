// What kind of source a path names, told from the name alone: a module with no imports, so
// that option checks (run in every csv worker) do not load the http, https and zlib readers.

/** True for `http://` and `https://` addresses. */
export function isUrl(pathOrUrl: string): boolean {
  return /^https?:\/\//i.test(pathOrUrl);
}

/** True when the name (or the URL's path) ends in `.gz`: its bytes are gunzipped on the fly. */
export function isGzip(pathOrUrl: string): boolean {
  const name = isUrl(pathOrUrl) ? new URL(pathOrUrl).pathname : pathOrUrl;
  return name.toLowerCase().endsWith('.gz');
}

/** Whether `start`/`end` can be used with this source (plain local files, s3:// objects, http(s) servers that answer ranges). */
export function supportsByteRange(pathOrUrl: string): boolean {
  return !isGzip(pathOrUrl);
}
