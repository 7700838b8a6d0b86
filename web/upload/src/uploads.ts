// Resumable uploads with Uppy and tus, straight to the gateway. Uppy keeps the files it is still
// sending; the rows the page shows are kept here, so finished and refused files stay listed after
// Uppy has let them go (and the same file may be picked again).
import Uppy, { type Meta, type UppyFile } from '@uppy/core';
import Tus, { type TusBody } from '@uppy/tus';
import { useCallback, useEffect, useRef, useState } from 'react';
import { images } from './api.ts';

export type UploadRow = {
  id: string;
  name: string;
  bytes: number;
  /** 0 … 1 of the bytes sent. */
  progress: number;
  status: 'waiting' | 'sending' | 'processing' | 'done' | 'failed';
  /** Why it failed, in the server's words when it gave them. */
  message?: string;
  /** A network or server failure may be retried; a refused file may not. */
  retriable?: boolean;
  imageId?: string;
};

type File = UppyFile<Meta, TusBody>;

/** Chunks well under the gateway's body limit; each chunk is resent whole after a failure. */
const chunkSize = 5 * 1024 * 1024;

export function useUploads(onUploaded: (imageId: string | undefined) => void) {
  const [rows, setRows] = useState<UploadRow[]>([]);
  const uppyRef = useRef<Uppy<Meta, TusBody> | null>(null);
  const uploaded = useRef(onUploaded);
  uploaded.current = onUploaded;

  useEffect(() => {
    const update = (id: string, change: Partial<UploadRow>) =>
      setRows((all) => all.map((row) => (row.id === id ? { ...row, ...change } : row)));
    const uppy = new Uppy<Meta, TusBody>({ autoProceed: true }).use(Tus, {
      endpoint: images.uploadEndpoint(),
      chunkSize,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      withCredentials: true,
      headers: { 'x-tessera-csrf': '1' },
      removeFingerprintOnSuccess: true,
      limit: 3,
      // Sent as the upload's metadata `filename` and `filetype`; the server sets the owner.
      allowedMetaFields: ['name', 'type'],
    });
    const refused = new Set<string>();
    const rowOf = (file: File, row: Partial<UploadRow> = {}): UploadRow => ({
      id: file.id,
      name: file.name ?? 'file',
      bytes: file.size ?? 0,
      progress: 0,
      status: 'waiting',
      ...row,
    });
    uppy.on('file-added', (file) =>
      setRows((all) => [...all.filter((other) => other.id !== file.id), rowOf(file)]),
    );
    uppy.on('upload-progress', (file, { bytesUploaded, bytesTotal }) => {
      if (!file) return;
      const progress = bytesTotal ? bytesUploaded / bytesTotal : 0;
      // The last chunk's answer waits for the server to check and process the image.
      update(file.id, { progress, status: progress >= 1 ? 'processing' : 'sending' });
    });
    uppy.on('upload-success', (file, response) => {
      if (!file) return;
      const imageId = response.body?.xhr.getResponseHeader('tessera-image-id') ?? undefined;
      update(file.id, { progress: 1, status: 'done', imageId });
      uploaded.current(imageId);
    });
    uppy.on('upload-error', (file, error, response) => {
      if (!file) return;
      const status = response?.status ?? 0;
      const final = status >= 400 && status < 500 && status !== 408 && status !== 429;
      if (final) refused.add(file.id);
      update(file.id, {
        status: 'failed',
        message: serverMessage(response?.body?.xhr) ?? plainWords(error.message, status),
        retriable: !final,
      });
    });
    // Uppy refuses a file it already holds (picked twice while it is sent): its row stays as it is.
    uppy.on('restriction-failed', (file, error) => {
      if (!file) return;
      const failed = rowOf(file, { status: 'failed', message: error.message, retriable: false });
      setRows((all) => (all.some((row) => row.id === file.id) ? all : [...all, failed]));
    });
    // Finished and refused files are let go, so the same file may be picked again later; files
    // that failed for a lost connection stay, to be retried (and resumed where they stopped).
    uppy.on('complete', (result) => {
      const done = (result.successful ?? []).map((file) => file.id);
      const letGo = [...done, ...refused].filter((id) => uppy.getFile(id));
      refused.clear();
      if (letGo.length > 0) uppy.removeFiles(letGo);
    });
    uppyRef.current = uppy;
    return () => {
      uppyRef.current = null;
      uppy.destroy();
    };
  }, []);

  const addFiles = useCallback((files: Iterable<globalThis.File>) => {
    const uppy = uppyRef.current;
    if (!uppy) return;
    const picked = [...files].map((file) => ({
      name: file.name,
      type: file.type,
      data: file,
      source: 'picker',
    }));
    try {
      uppy.addFiles(picked);
    } catch {
      // Uppy reports each refused file through 'restriction-failed'.
    }
  }, []);

  const retry = useCallback((id: string) => {
    setRows((all) =>
      all.map((row) =>
        row.id === id ? { ...row, status: 'waiting', message: undefined, progress: 0 } : row,
      ),
    );
    void uppyRef.current?.retryUpload(id);
  }, []);

  const clearFinished = useCallback(
    () => setRows((all) => all.filter((row) => row.status !== 'done' && row.status !== 'failed')),
    [],
  );

  return { rows, addFiles, retry, clearFinished };
}

/** The `{ code, message }` a refusal carries in its body. */
function serverMessage(xhr: XMLHttpRequest | undefined): string | undefined {
  if (!xhr?.responseText) return undefined;
  try {
    const body = JSON.parse(xhr.responseText) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

function plainWords(message: string, status: number): string {
  if (status === 0)
    return 'The upload could not reach the server. Check your connection, then retry.';
  if (status >= 500) return `The server could not take the file (${status}). Try again.`;
  return message;
}
