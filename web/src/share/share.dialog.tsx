import { useState, type FormEvent } from 'react';
import type { Member } from '@concord/shared';
import { describeError } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { Modal } from '../ui/modal.component';
import { userColour } from '../ui/user-colour.util';

interface ShareDialogProps {
  documentId: string;
  members: Member[] | null;
  isOwner: boolean;
  onChanged: () => void;
  onClose: () => void;
}

const ROLE_WORDS: Record<Member['role'], string> = { owner: 'owner', editor: 'can edit', viewer: 'can read' };

export function ShareDialog({ documentId, members, isOwner, onChanged, onClose }: ShareDialogProps) {
  const { api } = useAuth();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<'editor' | 'viewer'>('editor');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    const name = username.trim();
    try {
      await api.addMember(documentId, { username: name, role });
      setMessage({ ok: true, text: `${name} can now ${role === 'editor' ? 'edit' : 'read'} this document.` });
      setUsername('');
      onChanged();
    } catch (caught) {
      setMessage({ ok: false, text: describeError(caught) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Share" onClose={onClose}>
      <div className="stack">
        {members && (
          <ul className="members" aria-label="Members">
            {members.map((member) => (
              <li key={member.user.id}>
                <span className="swatch" style={{ backgroundColor: userColour(member.user.id) }} aria-hidden="true" />
                <span>
                  {member.user.displayName} <span className="meta">@{member.user.username}</span>
                </span>
                <span className="meta role">{ROLE_WORDS[member.role]}</span>
              </li>
            ))}
          </ul>
        )}
        {isOwner ? (
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
        ) : (
          <p className="hint">Only the document&rsquo;s owner can add people.</p>
        )}
      </div>
    </Modal>
  );
}
