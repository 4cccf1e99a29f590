import { useState, type FormEvent } from 'react';
import { describeError, randomId } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { Modal } from '../ui/modal.component';

interface NewDocumentDialogProps {
  onClose: () => void;
  onCreated: (id: string) => void;
}

export function NewDocumentDialog({ onClose, onCreated }: NewDocumentDialogProps) {
  const { api } = useAuth();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) {
      setError('Give the document a title.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The idempotency key makes a double submit (or a retried request) create one document.
      const created = await api.createDocument({ title: title.trim() }, { idempotencyKey: randomId() });
      onCreated(created.id);
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  }

  return (
    <Modal title="New document" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} className="stack">
        <label>
          Title
          <input data-autofocus required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
