import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ConcordApiError } from '@concord/shared';
import { describeError } from '../api/api.client';
import { Modal } from '../ui/modal.component';
import { useAuth } from './auth.context';

type Field = 'currentPassword' | 'newPassword' | 'confirmPassword';
type FieldErrors = Partial<Record<Field, string>>;

const LABELS: Record<Field, string> = {
  currentPassword: 'Current password',
  newPassword: 'New password',
  confirmPassword: 'Confirm new password',
};
const FIELDS: Field[] = ['currentPassword', 'newPassword', 'confirmPassword'];
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 256;

function checkFields(values: Record<Field, string>): FieldErrors {
  const errors: FieldErrors = {};
  if (values.currentPassword.length === 0) errors.currentPassword = 'Enter your current password.';
  if (values.newPassword.length < MIN_PASSWORD)
    errors.newPassword = `Use at least ${MIN_PASSWORD} characters.`;
  else if (values.newPassword.length > MAX_PASSWORD)
    errors.newPassword = `Use at most ${MAX_PASSWORD} characters.`;
  if (values.confirmPassword !== values.newPassword)
    errors.confirmPassword = 'This is not the same as the new password.';
  return errors;
}

/** A validation_failed answer's field errors as sentences, under the fields they are about. */
function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ConcordApiError) || error.code !== 'validation_failed') return {};
  const errors: FieldErrors = {};
  for (const { path, message } of error.problem.errors ?? []) {
    const field = FIELDS.find((name) => path === name || path.startsWith(`${name}.`));
    if (!field || errors[field]) continue;
    // The server words it as the end of a sentence about the field ("is wrong").
    errors[field] = /^[a-z]/.test(message) ? `${LABELS[field]} ${message.replace(/\.$/, '')}.` : message;
  }
  return errors;
}

function ChangePasswordForm() {
  const { changePassword } = useAuth();
  const [values, setValues] = useState<Record<Field, string>>({
    currentPassword: '',
    newPassword: '',
    confirmPassword: '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const idBase = useId();

  function focusFirstInvalid(found: FieldErrors) {
    const first = FIELDS.find((field) => found[field]);
    if (first) formRef.current?.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    const found = checkFields(values);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid(found);
      return;
    }
    setBusy(true);
    try {
      await changePassword({ currentPassword: values.currentPassword, newPassword: values.newPassword });
      setValues({ currentPassword: '', newPassword: '', confirmPassword: '' });
      setMessage({
        ok: true,
        text: 'Your password was changed. You stay signed in here; everywhere else, sign in again with the new password.',
      });
    } catch (caught) {
      const fromServer = serverFieldErrors(caught);
      setErrors(fromServer);
      setMessage({ ok: false, text: describeError(caught) });
      focusFirstInvalid(fromServer);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="stack"
      noValidate
      aria-labelledby={`${idBase}-heading`}
      onSubmit={(event) => void submit(event)}
    >
      <h3 id={`${idBase}-heading`}>Change password</h3>
      {FIELDS.map((field) => (
        <div key={field} className="field">
          <label>
            {LABELS[field]}
            <input
              name={field}
              type="password"
              autoComplete={field === 'currentPassword' ? 'current-password' : 'new-password'}
              data-autofocus={field === 'currentPassword' ? true : undefined}
              required
              value={values[field]}
              aria-invalid={errors[field] ? true : undefined}
              aria-describedby={
                errors[field]
                  ? `${idBase}-${field}-error`
                  : field === 'newPassword'
                    ? `${idBase}-hint`
                    : undefined
              }
              onChange={(e) => setValues((current) => ({ ...current, [field]: e.target.value }))}
            />
          </label>
          {errors[field] ? (
            <p id={`${idBase}-${field}-error`} className="error field-error">
              {errors[field]}
            </p>
          ) : (
            field === 'newPassword' && (
              <p id={`${idBase}-hint`} className="hint field-hint">
                At least {MIN_PASSWORD} characters.
              </p>
            )
          )}
        </div>
      ))}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'success' : 'error'}>
          {message.text}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Change password
        </button>
      </div>
    </form>
  );
}

function SignOutEverywhere() {
  const { signOutEverywhere } = useAuth();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  const questionId = useId();

  useEffect(() => {
    // Into the question when it appears (on its safe answer), back to its button when it goes.
    if (confirming) cancelRef.current?.focus();
    else if (wasConfirming.current) buttonRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await signOutEverywhere();
    } catch (caught) {
      setBusy(false);
      setError(describeError(caught));
      return;
    }
    void navigate('/login', { replace: true });
  }

  return (
    <section className="stack" aria-labelledby={`${questionId}-heading`}>
      <h3 id={`${questionId}-heading`}>Other sessions</h3>
      <p className="hint">
        Signing out everywhere ends every session of this account: on every device and browser, this one
        included.
      </p>
      {confirming ? (
        <div role="group" aria-labelledby={questionId} className="confirm stack">
          <p id={questionId}>
            Sign out everywhere? Every device and browser, this one too, will ask for your password again.
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
              Yes, sign out everywhere
            </button>
            <button type="button" ref={cancelRef} disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" ref={buttonRef} onClick={() => setConfirming(true)}>
            Sign out everywhere
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

/** The signed-in user's account: a new password, and signing out everywhere. */
export function AccountDialog({ onClose }: { onClose: () => void }) {
  const { user } = useAuth();
  return (
    <Modal title="Account" onClose={onClose}>
      <div className="stack account-dialog">
        {user && (
          <p className="hint">
            Signed in as <strong>{user.displayName}</strong> (@{user.username}).
          </p>
        )}
        <ChangePasswordForm />
        <SignOutEverywhere />
      </div>
    </Modal>
  );
}
