// Drop or pick images; each one gets a row with its progress, and the server's words if refused.
import { type DragEvent, useState } from 'react';
import { formatBytes } from './format.ts';
import { type UploadRow, useUploads } from './uploads.ts';

export function UploadPanel({ onUploaded }: { onUploaded: () => void }) {
  const { rows, addFiles, retry, clearFinished } = useUploads(onUploaded);
  const [over, setOver] = useState(false);

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    addFiles(event.dataTransfer.files);
  };
  const finished = rows.filter((row) => row.status === 'done' || row.status === 'failed').length;

  return (
    <section className="panel" aria-labelledby="upload-title">
      <div className="panel-head">
        <h2 id="upload-title">Upload</h2>
        {finished > 0 && (
          <button type="button" className="button subtle small" onClick={clearFinished}>
            Clear finished
          </button>
        )}
      </div>
      <label
        className={over ? 'dropzone over' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <input
          type="file"
          multiple
          accept="image/*,.heic,.heif,.avif"
          data-testid="file-input"
          className="visually-hidden"
          onChange={(event) => {
            if (event.target.files) addFiles(event.target.files);
            event.target.value = '';
          }}
        />
        <span className="dropzone-icon" aria-hidden="true">
          <svg
            viewBox="0 0 24 24"
            width="28"
            height="28"
            fill="none"
            stroke="currentColor"
            aria-hidden="true"
          >
            <path d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5" strokeWidth="1.8" strokeLinecap="round" />
            <path
              d="M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"
              strokeWidth="1.8"
              strokeLinecap="round"
            />
          </svg>
        </span>
        <span className="dropzone-title">
          Drop images here or <span className="link">browse</span>
        </span>
        <span className="muted small">JPEG, PNG, WebP, GIF, AVIF, HEIF or TIFF · many at once</span>
      </label>
      {rows.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {rows.map((row) => (
            <UploadItem key={row.id} row={row} onRetry={() => retry(row.id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

const statusText: Record<UploadRow['status'], string> = {
  waiting: 'Waiting…',
  sending: '',
  processing: 'Processing…',
  done: 'Uploaded',
  failed: 'Failed',
};

function UploadItem({ row, onRetry }: { row: UploadRow; onRetry: () => void }) {
  const percent = Math.round(row.progress * 100);
  return (
    <li
      className={`upload ${row.status}`}
      data-testid="upload-row"
      data-status={row.status}
      data-image-id={row.imageId}
    >
      <div className="upload-line">
        <span className="upload-name" title={row.name}>
          {row.name}
        </span>
        <span className="muted small">{formatBytes(row.bytes)}</span>
        <span className="upload-status small">
          {row.status === 'sending' ? `${percent}%` : statusText[row.status]}
        </span>
        {row.status === 'failed' && row.retriable && (
          <button type="button" className="button subtle small" onClick={onRetry}>
            Retry
          </button>
        )}
      </div>
      {row.status === 'failed' ? (
        <p className="upload-error" role="alert" data-testid="upload-error">
          {row.message}
        </p>
      ) : (
        <div
          className="progress"
          role="progressbar"
          aria-label={`Upload of ${row.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
        >
          <div className="progress-bar" style={{ width: `${percent}%` }} />
        </div>
      )}
    </li>
  );
}
