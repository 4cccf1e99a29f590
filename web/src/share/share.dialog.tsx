import { useState, type FormEvent } from 'react';
import { describeError } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { Modal } from '../ui/modal.component';

interface ShareDialogProps {
  documentId: string;
  onClose: () => void;
}

export function ShareDialog({ documentId, onClose }: ShareDialogProps) {
  const { api } = useAuth();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<'editor' | 'viewer'>('editor');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.addMember(documentId, username.trim(), role);
      setMessage({ ok: true, text: `${username.trim()} can now ${role === 'editor' ? 'edit' : 'read'} this document.` });
      setUsername('');
    } catch (caught) {
      setMessage({ ok: false, text: describeError(caught) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Share" onClose={onClose}>
      <form className="stack" onSubmit={(event) => void submit(event)}>
        <label>
          Username
          <input data-autofocus required value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value === 'viewer' ? 'viewer' : 'editor')}>
            <option value="editor">Editor (can edit)</option>
            <option value="viewer">Viewer (can read)</option>
          </select>
        </label>
        {message && (
          <p role={message.ok ? undefined : 'alert'} aria-live="polite" className={message.ok ? 'success' : 'error'}>
            {message.text}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Add member
          </button>
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </form>
    </Modal>
  );
}
