import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
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
  /**
   * Told before the signed-in member's own "leave" request goes out (true) and when it failed
   * (false): the server then tells this tab's editor it lost access, which is no news to them.
   */
  onLeaving?: (leaving: boolean) => void;
}

type SharedRole = 'editor' | 'viewer';

const ROLE_WORDS: Record<Member['role'], string> = { owner: 'owner', editor: 'can edit', viewer: 'can read' };

function RoleOptions() {
  return (
    <>
      <option value="editor">Editor (can edit)</option>
      <option value="viewer">Viewer (can read)</option>
    </>
  );
}

export function ShareDialog({ documentId, members, isOwner, onChanged, onClose, onLeaving }: ShareDialogProps) {
  const { api, user } = useAuth();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<SharedRole>('editor');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  /** About the member rows (a role changed, someone removed), apart from the add form's message. */
  const [memberMessage, setMemberMessage] = useState<{ ok: boolean; text: string } | null>(null);
  /** The member whose change is on its way (their row's controls wait). */
  const [memberBusy, setMemberBusy] = useState<string | null>(null);
  /** Roles just chosen, shown until the refreshed list has them (a controlled select would snap back). */
  const [chosenRoles, setChosenRoles] = useState<Record<string, SharedRole>>({});
  const [confirmingLeave, setConfirmingLeave] = useState(false);
  const [leaveBusy, setLeaveBusy] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);
  const leaveButtonRef = useRef<HTMLButtonElement>(null);
  const cancelLeaveRef = useRef<HTMLButtonElement>(null);
  const leaveQuestionId = useId();
  const wasConfirming = useRef(false);

  useEffect(() => setChosenRoles({}), [members]);

  useEffect(() => {
    // Into the question when it appears (on its safe answer), back to its button when it goes.
    if (confirmingLeave) cancelLeaveRef.current?.focus();
    else if (wasConfirming.current) leaveButtonRef.current?.focus();
    wasConfirming.current = confirmingLeave;
  }, [confirmingLeave]);

  const me = members?.find((member) => member.user.id === user?.id) ?? null;

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

  async function changeRole(member: Member, next: SharedRole) {
    setMemberBusy(member.user.id);
    setMemberMessage(null);
    setChosenRoles((roles) => ({ ...roles, [member.user.id]: next }));
    try {
      await api.updateMember(documentId, member.user.id, { role: next });
      setMemberMessage({
        ok: true,
        text: `${member.user.displayName} can now ${next === 'editor' ? 'edit' : 'only read'} this document.`,
      });
      onChanged();
    } catch (caught) {
      setChosenRoles((roles) => Object.fromEntries(Object.entries(roles).filter(([id]) => id !== member.user.id)));
      setMemberMessage({ ok: false, text: describeError(caught) });
    } finally {
      setMemberBusy(null);
    }
  }

  async function remove(member: Member) {
    setMemberBusy(member.user.id);
    setMemberMessage(null);
    try {
      await api.removeMember(documentId, member.user.id);
      // The row (and the focused button in it) goes: focus stays in the list, not on <body>.
      listRef.current?.focus();
      setMemberMessage({ ok: true, text: `${member.user.displayName} no longer has access to this document.` });
      onChanged();
    } catch (caught) {
      setMemberMessage({ ok: false, text: describeError(caught) });
    } finally {
      setMemberBusy(null);
    }
  }

  async function leave() {
    if (!user) return;
    setLeaveBusy(true);
    setMemberMessage(null);
    onLeaving?.(true);
    try {
      await api.removeMember(documentId, user.id);
    } catch (caught) {
      onLeaving?.(false);
      setLeaveBusy(false);
      setMemberMessage({ ok: false, text: describeError(caught) });
      return;
    }
    void navigate('/');
  }

  const manages = (member: Member) => isOwner && member.role !== 'owner' && member.user.id !== user?.id;

  return (
    <Modal title="Share" onClose={onClose}>
      <div className="stack">
        {members && (
          <ul className="members" aria-label="Members" ref={listRef} tabIndex={-1}>
            {members.map((member) => (
              <li key={member.user.id}>
                <span className="swatch" style={{ backgroundColor: userColour(member.user.id) }} aria-hidden="true" />
                <span>
                  {member.user.displayName} <span className="meta">@{member.user.username}</span>
                </span>
                {manages(member) ? (
                  <span className="member-controls">
                    <select
                      aria-label={`Role of ${member.user.displayName}`}
                      value={chosenRoles[member.user.id] ?? member.role}
                      disabled={memberBusy === member.user.id}
                      onChange={(e) => void changeRole(member, e.target.value === 'viewer' ? 'viewer' : 'editor')}
                    >
                      <RoleOptions />
                    </select>
                    <button
                      type="button"
                      className="small"
                      aria-label={`Remove ${member.user.displayName}`}
                      disabled={memberBusy === member.user.id}
                      onClick={() => void remove(member)}
                    >
                      Remove
                    </button>
                  </span>
                ) : (
                  <span className="meta role">{ROLE_WORDS[member.role]}</span>
                )}
              </li>
            ))}
          </ul>
        )}
        {memberMessage && (
          <p
            role={memberMessage.ok ? undefined : 'alert'}
            aria-live="polite"
            className={memberMessage.ok ? 'success' : 'error'}
          >
            {memberMessage.text}
          </p>
        )}
        {isOwner ? (
          <form className="stack" onSubmit={(event) => void submit(event)}>
            <label>
              Username
              <input
                data-autofocus
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                autoComplete="off"
              />
            </label>
            <label>
              Role
              <select value={role} onChange={(e) => setRole(e.target.value === 'viewer' ? 'viewer' : 'editor')}>
                <RoleOptions />
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
          <>
            <p className="hint">Only the document&rsquo;s owner can add people.</p>
            {me &&
              (confirmingLeave ? (
                <div role="group" aria-labelledby={leaveQuestionId} className="confirm stack">
                  <p id={leaveQuestionId}>
                    Leave this document? You can open it again only if its owner shares it with you again.
                  </p>
                  <div className="actions">
                    <button type="button" className="danger" disabled={leaveBusy} onClick={() => void leave()}>
                      Yes, leave
                    </button>
                    <button type="button" ref={cancelLeaveRef} disabled={leaveBusy} onClick={() => setConfirmingLeave(false)}>
                      Cancel
                    </button>
                  </div>
                </div>
              ) : (
                <div className="actions">
                  <button type="button" ref={leaveButtonRef} onClick={() => setConfirmingLeave(true)}>
                    Leave document
                  </button>
                </div>
              ))}
          </>
        )}
      </div>
    </Modal>
  );
}
