// Server downloads (导出): fetched with the session's cookie and saved
// under the file name the server gives.
import { problemOf } from './api';
import { saveBlob } from './csv';
import { filenameFromDisposition } from './exports';

/** Saves a response body under the server's file name, else fallback; returns the name. */
export async function saveResponse(res: Response, fallback: string): Promise<string> {
  const name = filenameFromDisposition(res.headers.get('Content-Disposition')) ?? fallback;
  saveBlob(await res.blob(), name);
  return name;
}

/** Fetches an export and saves it; a refusal throws with the server's reason in Chinese. */
export async function fetchDownload(url: string, fallback: string): Promise<string> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) {
    const p = await problemOf(res);
    throw new Error(res.status === 429 ? '同时进行的导出较多，请稍后再试' : p.detail || p.title);
  }
  return saveResponse(res, fallback);
}
