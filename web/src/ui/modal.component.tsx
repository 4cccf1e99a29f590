import { useEffect, useId, useRef, type ReactNode } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  /**
   * Where focus goes on closing when whatever opened the dialog is gone or was nothing (a dialog
   * that opened by itself): without it focus would fall to <body>.
   */
  returnFocusTo?: () => HTMLElement | null | undefined;
}

/**
 * A modal dialog: named by its heading, focus moves in on open, Tab stays inside, Escape
 * closes, and focus returns to whatever opened it. (Not the native <dialog>: jsdom, which the
 * component tests run in, lacks showModal.)
 */
export function Modal({ title, onClose, children, wide, returnFocusTo }: ModalProps) {
  const headingId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const returnFocusRef = useRef(returnFocusTo);
  returnFocusRef.current = returnFocusTo;

  useEffect(() => {
    const active = document.activeElement;
    const opener = active instanceof HTMLElement && active !== document.body ? active : null;
    const first = ref.current?.querySelector<HTMLElement>('[data-autofocus]') ?? ref.current?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? ref.current)?.focus();
    return () => (opener?.isConnected ? opener : returnFocusRef.current?.())?.focus();
  }, []);

  useEffect(() => {
    // On the document, not the dialog: a button that disables itself while busy drops focus to
    // <body>, and Escape and Tab must still work then.
    function onKeyDown(event: KeyboardEvent) {
      const dialog = ref.current;
      if (!dialog) return;
      if (event.key === 'Escape') {
        event.stopPropagation();
        onCloseRef.current();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE));
      if (items.length === 0) return;
      const first = items[0];
      const last = items[items.length - 1];
      const inside = dialog.contains(document.activeElement);
      if (!inside) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      } else if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onCloseRef.current()}>
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby={headingId}
        className={wide ? 'modal wide' : 'modal'}
        tabIndex={-1}
      >
        <header className="modal-header">
          <h2 id={headingId}>{title}</h2>
          <button type="button" className="icon" aria-label="Close" onClick={() => onCloseRef.current()}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
