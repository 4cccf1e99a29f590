import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ConcordApiError, UpdateProfileRequestSchema } from '@concord/shared';
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
function serverFieldErrors<F extends string>(
  error: unknown,
  labels: Record<F, string>,
): Partial<Record<F, string>> {
  if (!(error instanceof ConcordApiError) || error.code !== 'validation_failed') return {};
  const fields = Object.keys(labels) as F[];
  const errors: Partial<Record<F, string>> = {};
  for (const { path, message } of error.problem.errors ?? []) {
    const field = fields.find((name) => path === name || path.startsWith(`${name}.`));
    if (!field || errors[field]) continue;
    // The server words it as the end of a sentence about the field ("is wrong").
    errors[field] = /^[a-z]/.test(message) ? `${labels[field]} ${message.replace(/\.$/, '')}.` : message;
  }
  return errors;
}

type Outcome = { ok: boolean; text: string } | null;

/** How a form's last submission went (a status, or an alert), then its submit button. */
function FormEnd({ outcome, disabled, children }: { outcome: Outcome; disabled: boolean; children: string }) {
  return (
    <>
      {outcome && (
        <p role={outcome.ok ? 'status' : 'alert'} className={outcome.ok ? 'success' : 'error'}>
          {outcome.text}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={disabled}>
          {children}
        </button>
      </div>
    </>
  );
}

const NAME_LABEL = 'Display name';

/** The name as the server takes it (trimmed), or why the shared schema refuses it. */
function checkName(value: string): { name: string } | { error: string } {
  const parsed = UpdateProfileRequestSchema.safeParse({ displayName: value });
  if (parsed.success) return { name: parsed.data.displayName };
  const [issue] = parsed.error.issues;
  if (issue.code === 'too_small') return { error: 'Enter a name.' };
  if (issue.code === 'too_big') return { error: `Use at most ${Number(issue.maximum)} characters.` };
  // The schema's other rules (control and bidirectional characters) say what is wrong with it.
  return { error: `${NAME_LABEL} ${issue.message}.` };
}

function DisplayNameForm() {
  const { user, updateProfile } = useAuth();
  const current = user?.displayName ?? '';
  const [value, setValue] = useState(current);
  const [seen, setSeen] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  // State lags a render behind: a second Enter or click in the same tick must not send again.
  const saving = useRef(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const idBase = useId();

  if (seen !== current) {
    // The name changed (saved here or in another tab): a field not edited since follows it.
    setSeen(current);
    if (value.trim() === seen) setValue(current);
  }
  const trimmed = value.trim();
  const nothingToSave = trimmed === current || trimmed === '';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (saving.current || nothingToSave) return;
    setMessage(null);
    const checked = checkName(value);
    if ('error' in checked) {
      setError(checked.error);
      inputRef.current?.focus();
      return;
    }
    setError(null);
    saving.current = true;
    setBusy(true);
    try {
      const updated = await updateProfile({ displayName: checked.name });
      setValue(updated.displayName);
      setMessage({ ok: true, text: `Your name is now ${updated.displayName}.` });
    } catch (caught) {
      setError(serverFieldErrors(caught, { displayName: NAME_LABEL }).displayName ?? null);
      setMessage({ ok: false, text: describeError(caught) });
    } finally {
      saving.current = false;
      setBusy(false);
      // The button was disabled while saving (and stays so once saved): focus would be on <body>.
      inputRef.current?.focus();
    }
  }

  return (
    <form
      className="stack"
      noValidate
      aria-labelledby={`${idBase}-heading`}
      onSubmit={(event) => void submit(event)}
    >
      <h3 id={`${idBase}-heading`}>Your name</h3>
      <div className="field">
        <label>
          {NAME_LABEL}
          <input
            ref={inputRef}
            name="displayName"
            autoComplete="name"
            data-autofocus
            required
            value={value}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${idBase}-error` : `${idBase}-hint`}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        {error ? (
          <p id={`${idBase}-error`} className="error field-error">
            {error}
          </p>
        ) : (
          <p id={`${idBase}-hint`} className="hint field-hint">
            Others see it beside your cursor and among the people editing a document.
          </p>
        )}
      </div>
      <FormEnd outcome={message} disabled={busy || nothingToSave}>
        Save name
      </FormEnd>
    </form>
  );
}

function ChangePasswordForm() {
  const { changePassword } = useAuth();
  const [values, setValues] = useState<Record<Field, string>>({
    currentPassword: '',
    newPassword: '',
    confirmPassword: '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<Outcome>(null);
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
      const fromServer = serverFieldErrors(caught, LABELS);
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
      <FormEnd outcome={message} disabled={busy}>
        Change password
      </FormEnd>
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

/** The signed-in user's account: the display name, a new password, and signing out everywhere. */
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
        <DisplayNameForm />
        <ChangePasswordForm />
        <SignOutEverywhere />
      </div>
    </Modal>
  );
}
